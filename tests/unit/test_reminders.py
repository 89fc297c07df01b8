"""Reminders on a fixed clock (26 ноября 2026): each kind of fact found once, who hears of what (curators, the
district's operator for proposals, mentors and mentees by their own `mentor:`/`mentee:` scopes), one digest per
person per day, nothing reminded twice, unsubscribed accounts left alone; the e-mail in Russian with its link."""

from __future__ import annotations

from collections import Counter
from datetime import date
from email.message import EmailMessage

from services.console.domain.reminders import (
    Reader,
    application_facts,
    half_year_before,
    pair_facts,
    plan_digests,
    reader_scope,
)
from services.console.reminders.mail import compose, day
from services.console.reminders.unsubscribe import account_of
from shared.config import Settings

TODAY = date(2026, 11, 26)
TZ = "Europe/Moscow"
NAMES = {"mentor_name": "Петрова Анна Ивановна", "mentee_name": "Сидоров Кирилл Олегович",
         "organization_name": "МБОУ СОШ № 1"}


def pair(ident: str, state: str, mentor: str = "t1", mentee: str = "s1", **extra: object) -> dict[str, object]:
    return {"id": ident, "state": state, "mentor_id": mentor, "mentee_id": mentee, "organization_id": "o1",
            "municipality_id": "m1", **NAMES, **extra}


def the_day_facts(reported: dict[str, set[str]] | None = None):
    working = [
        pair("p1", "active", started_on="2026-03-01", planned_end_on="2027-02-28"),  # owes 2026-H1
        pair("p2", "active", "t2", "s2", started_on="2026-09-01", planned_end_on="2026-12-10"),  # ends in 14 days
        pair("p3", "completed", "t3", "s3", started_on="2025-11-01", planned_end_on="2026-05-10",
             ended_at="2026-05-10T09:00:00Z"),  # owed 2026-H1 too, and wrote it
        pair("p4", "active", "t4", "s4", started_on="2026-08-01", planned_end_on="2026-12-11"),  # 15 days: not yet
    ]
    proposed = [pair("p5", "proposed", "t5", "s5", expires_at="2026-11-28T21:30:00Z"),  # 29 ноября in Moscow
                pair("p6", "proposed", "t6", "s6", expires_at="2026-12-01T08:00:00Z")]  # in 5 days: not yet
    attention = [{"pair_id": "p1", "mentor_id": "t1", "mentee_id": "s1", "organization_id": "o1", **NAMES,
                  "overdue_plan_items": [{"id": "i1", "title": "Посетить четыре урока", "due_on": "2026-11-20"}],
                  "missing_diary_month": "2026-10", "needs_attention": True}]
    return pair_facts(TODAY, TZ, working=working, proposed=proposed, attention=attention,
                      reported=reported if reported is not None else {"p3": {"2026-H1"}})


def reader(ident: str, role: str, scope: str | None, **extra: object) -> Reader:
    return Reader(ident, f"{ident}@school.example", f"Человек {ident}", role, scope, **extra)  # type: ignore[arg-type]


def test_each_kind_of_fact_is_found_once_under_a_key_that_names_it():
    facts = the_day_facts()
    assert Counter(f.kind for f in facts) == {"plan_overdue": 1, "diary_missing": 1, "report_due": 1,
                                              "proposal_expiring": 1, "program_ending": 1}
    assert {f.key for f in facts} == {"plan:i1", "diary:p1:2026-10", "report:p1:2026-H1",
                                      "expiry:p5:2026-11-29", "end:p2:2026-12-10"}
    by_kind = {f.kind: f for f in facts}
    assert by_kind["proposal_expiring"].day == date(2026, 11, 29)  # the day in the region, not in UTC
    assert by_kind["report_due"].detail == "2026-H1"
    returned_only = the_day_facts(reported={"p1": set(), "p3": set()})
    assert sorted(f.key for f in returned_only if f.kind == "report_due") == ["report:p1:2026-H1",
                                                                              "report:p3:2026-H1"]


def test_the_half_year_due_is_the_one_that_ended_last():
    assert half_year_before(date(2026, 7, 1)).period == "2026-H1"
    assert half_year_before(date(2026, 6, 30)).period == "2025-H2"
    assert half_year_before(TODAY).end == date(2026, 6, 30)


def test_recipients_by_scope_curators_district_operators_mentors_and_mentees():
    people = [reader("cur", "school_curator", "organization:o1"), reader("other", "school_curator", "organization:o2"),
              reader("mun", "municipal_operator", "municipality:m1"), reader("mentor", "mentor", "mentor:t1"),
              reader("mentee", "mentee", "mentee:s1"), reader("mentee5", "mentee", "mentee:s5"),
              reader("admin", "admin", None), reader("region", "region_operator", "region:86"),
              reader("odd", "mentor", "mentee:s1")]
    digests = {d.reader.id: {f.kind for f in d.facts} for d in plan_digests(the_day_facts(), people, {}, set())}
    assert digests == {
        "cur": {"plan_overdue", "diary_missing", "report_due", "proposal_expiring", "program_ending"},
        "mun": {"proposal_expiring"},
        "mentor": {"plan_overdue", "diary_missing", "report_due"},
        "mentee": {"plan_overdue"},  # the diary and the report are the mentor's
        "mentee5": {"proposal_expiring"},
    }
    assert reader_scope(reader("m", "mentor", "mentor:t1")) == "mentor:t1"
    assert reader_scope(reader("m", "mentee", "mentee:s1")) == "mentee:s1"
    assert reader_scope(reader("odd", "mentor", "mentee:s1")) is None


def test_one_digest_a_day_nothing_twice_and_nobody_who_unsubscribed_or_was_disabled():
    facts = the_day_facts()
    curator = reader("cur", "school_curator", "organization:o1")
    (first,) = plan_digests(facts, [curator], {}, set())
    assert [f.kind for f in first.facts] == ["plan_overdue", "diary_missing", "report_due", "proposal_expiring",
                                             "program_ending"]
    sent = {"cur": {f.key for f in first.facts}}
    assert plan_digests(facts, [curator], {}, {"cur"}) == []  # the same day again: already had its digest
    assert plan_digests(facts, [curator], sent, set()) == []  # the next day: the same facts are not repeated
    newer = [*facts, *pair_facts(date(2026, 12, 1), TZ, working=[], proposed=[], attention=[{
        "pair_id": "p1", "mentor_id": "t1", "mentee_id": "s1", "organization_id": "o1", **NAMES,
        "overdue_plan_items": [], "missing_diary_month": "2026-11"}], reported={})]
    (later,) = plan_digests(newer, [curator], sent, set())
    assert [f.key for f in later.facts] == ["diary:p1:2026-11"]  # a new month is a new fact
    quiet = [reader("off", "school_curator", "organization:o1", reminders_on=False),
             reader("gone", "school_curator", "organization:o1", active=False)]
    assert plan_digests(facts, quiet, {}, set()) == []


def test_the_digest_is_in_russian_with_names_days_and_a_signed_unsubscribe_link():
    settings = Settings(service="console", console_secret="reminder-tests-secret-0123456789-abcdefghij",
                        console_url="https://console.example.org", smtp_from="Наставничество <noreply@example.org>")
    (digest,) = plan_digests(the_day_facts(), [reader("cur", "school_curator", "organization:o1")], {}, set())
    message = compose(settings, digest, TODAY)
    assert message["Subject"] == "Напоминания о наставничестве на 26 ноября 2026"
    assert message["To"] == "cur@school.example"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Здравствуйте, Человек cur!" in text
    assert "«Посетить четыре урока» — срок был 20 ноября 2026" in text
    assert "нет записи за октябрь 2026" in text and "нет отчёта за первое полугодие 2026 года" in text
    assert "предложение истекает 29 ноября 2026" in text and "плановое окончание — 10 декабря 2026" in text
    assert "наставник Петрова Анна Ивановна, наставляемый Сидоров Кирилл Олегович (МБОУ СОШ № 1)" in text
    for ident in ("p1", "p2", "p5", "i1", "t1", "s1", "o1"):
        assert f":{ident}" not in text and f"{ident}:" not in text
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://console.example.org/reminders/off/")
    assert f"Отписаться от напоминаний: {link}" in text
    assert f"\nList-Unsubscribe: <{link}>\n" in message.as_string()  # as mail clients read it, not encoded
    assert account_of(settings, link.rsplit("/", 1)[1]) == "cur"
    assert account_of(settings, link.rsplit("/", 1)[1] + "x") is None
    assert f'href="{link}"' in html and "&lt;" not in text and "<li>" in html
    assert isinstance(message, EmailMessage) and day(date(2026, 3, 5)) == "5 марта 2026"


def test_the_daily_process_waits_for_the_next_reminders_hour_and_the_command_wants_a_day(capsys):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ops.cli import main
    from services.console.reminders.runner import seconds_until_next

    settings = Settings(reminders_hour=7)
    moscow = ZoneInfo(TZ)
    assert seconds_until_next(settings, datetime(2026, 11, 26, 6, 30, tzinfo=moscow)) == 1800
    assert seconds_until_next(settings, datetime(2026, 11, 26, 7, 0, tzinfo=moscow)) == 86400
    assert main(["remind", "--today", "26.11.2026"]) == 2
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err


def test_the_local_mailbox_may_be_an_empty_mounted_directory_shared_by_the_writer_and_the_reader(tmp_path):
    """MAIL_DIR as compose and Kubernetes mount it: an empty volume. «Почта» shows nothing until the first message,
    which makes the Maildir's folders; another process with the same MAIL_DIR (the console) then reads it."""
    from services.console.reminders.delivery import mailbox_path, mailer_for, stored_message, stored_messages

    volume = tmp_path / "volume"
    volume.mkdir()
    reminders = Settings(var_dir=tmp_path / "reminders-var", mail_dir=volume)
    console = Settings(var_dir=tmp_path / "console-var", mail_dir=volume)
    assert mailbox_path(reminders) == mailbox_path(console) == volume
    assert mailbox_path(Settings(var_dir=tmp_path / "var")) == tmp_path / "var" / "mail"  # the embedded default
    assert stored_messages(console) == [] and stored_message(console, "anything") is None
    message = EmailMessage()
    message["Subject"], message["To"] = "Напоминание", "t1@school.example"
    message.set_content("Текст")
    mailer_for(reminders).send(message)
    [stored] = stored_messages(console)
    assert (stored.subject, stored.to) == ("Напоминание", "t1@school.example")
    assert stored_message(console, stored.key) == stored


def test_an_application_waiting_for_its_curator_is_a_fact_for_that_curator_only():
    waiting = [
        {"id": "a1", "status": "new", "full_name": "Кузнецова Татьяна Викторовна", "organization_id": "o1",
         "applicant_organization_name": "МБОУ СОШ № 1", "mentor_name": None, "created_at": "2026-11-25T22:10:00Z"},
        {"id": "a2", "status": "new", "full_name": "Петров Илья Андреевич", "organization_id": "o1",
         "applicant_organization_name": "МБОУ СОШ № 9", "mentor_name": "Петрова Анна Ивановна",
         "created_at": "2026-11-24T08:00:00Z"},
        {"id": "a3", "status": "declined", "full_name": "Отказова Нина", "organization_id": "o1",
         "applicant_organization_name": "МБОУ СОШ № 1", "mentor_name": None, "created_at": "2026-11-20T08:00:00Z"},
    ]
    facts = application_facts(waiting, TZ)
    assert [(f.key, f.day) for f in facts] == [("application:a1", date(2026, 11, 26)),  # the 26th in Moscow
                                              ("application:a2", date(2026, 11, 24))]
    people = [reader("cur", "school_curator", "organization:o1"),
              reader("mun", "municipal_operator", "municipality:m1"), reader("mentor", "mentor", "mentor:t1")]
    (digest,) = plan_digests([*facts, *the_day_facts()], people[:1], {}, set())
    assert [f.kind for f in digest.facts][:2] == ["application_waiting", "application_waiting"]
    assert {d.reader.id: {f.kind for f in d.facts} for d in plan_digests(facts, people, {}, set())} == {
        "cur": {"application_waiting"}}
    settings = Settings(service="console", console_secret="reminder-tests-secret-0123456789-abcdefghij")
    text = compose(settings, digest, TODAY).get_body(preferencelist=("plain",)).get_content()
    assert "Заявки из банка наставников ждут вашего решения (раздел «Заявки»):" in text
    assert "— Кузнецова Татьяна Викторовна (МБОУ СОШ № 1): хочет стать наставником, заявка от 26 ноября 2026." in text
    assert ("— Петров Илья Андреевич (МБОУ СОШ № 9): просит в наставники: Петрова Анна Ивановна, заявка от "
            "24 ноября 2026.") in text
