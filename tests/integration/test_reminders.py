"""`mentoring remind` against the real registry and matching of `mentoring up`, on a fixed day: a run proposes the
pairs of a school, two are confirmed and started (one with an overdue plan item and no diary or half-year report,
one ending within two weeks), one stays a proposal about to expire, and a teacher applies from the public bank.
The digests go to a real SMTP server started here (aiosmtpd), one per person, each fact once (a mail server that
does not answer records nothing, so nothing is lost); a second run that day sends nothing, the next day repeats
nothing, an unsubscribed curator gets nothing; without SMTP_HOST the mail lands in var/mail/, shown on «Почта»."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from email import message_from_bytes, policy
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import select

from services.console.adapters.tables import Account, SentReminder
from services.console.app import create_app
from services.console.domain.reminders import local_day
from services.console.reminders.facts import ServiceFacts
from services.console.reminders.runner import remind_on
from services.console.reminders.unsubscribe import unsubscribe_token
from tests.integration.console_helpers import (
    add_account,
    admin_client,
    console_settings,
    post_form,
    sign_in,
    wait_for,
)
from tests.servers import free_port

TODAY = date.today()
CONFIRM = {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "7-н",
           "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}


class Inbox:
    """What the SMTP server received: each message with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def password_check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"reminders" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=password_check,
                            auth_require_tls=False)
    controller.start()
    yield controller, inbox
    controller.stop()


def run_school(matching: httpx.Client, registry: httpx.Client, turn: int) -> list[dict[str, Any]]:
    """A real run over one school (a different one per console database): its proposals, at least three."""
    mentees = registry.get("/api/v1/mentees", params={"limit": 500}).json()["items"]
    wait_for(lambda: matching.get("/api/v1/status").json()["mentees"] >= len(mentees))
    by_school: dict[str, int] = {}
    for mentee in mentees:
        by_school[mentee["organization_id"]] = by_school.get(mentee["organization_id"], 0) + 1
    schools = sorted(org for org, n in by_school.items() if n >= 4)
    for org in schools[turn:]:
        started = matching.post("/api/v1/runs", json={"scope": f"organization:{org}"})
        assert started.status_code == 202, started.text
        run = wait_for(lambda ident=started.json()["id"]: finished(matching, ident))
        assert run["status"] == "succeeded", run
        proposed = matching.get("/api/v1/pairs", params={"organization": org, "state": "proposed",
                                                         "limit": 500}).json()["items"]
        if len(proposed) >= 3:
            return proposed
    pytest.fail("no school of the demo region got three proposals")


def finished(matching: httpx.Client, ident: str) -> dict[str, Any] | None:
    run = matching.get(f"/api/v1/runs/{ident}").json()
    return run if run["status"] in ("succeeded", "failed") else None


def act(matching: httpx.Client, pair_id: str, action: str, body: dict[str, Any]) -> None:
    answer = matching.post(f"/api/v1/pairs/{pair_id}/{action}", json=body)
    assert answer.status_code == 200, answer.text


def account(app: Any, email: str, role: str, scope: str, name: str) -> str:
    """A mentor's or mentee's account, written as the console keeps it (their roles come from another change)."""
    with app.extensions["console"].uow() as uow:
        row = Account(email=email, full_name=name, role=role, scope=scope, created_by="tests")
        uow.session.add(row)
        uow.commit()
        return row.id


def texts(inbox: Inbox) -> dict[str, str]:
    found = {}
    for recipients, message in inbox.messages:
        (to,) = recipients
        assert to not in found, f"{to} got two digests"
        found[to] = message.get_body(preferencelist=("plain",)).get_content()
    return found


def test_reminders_reach_each_person_once_a_day_and_each_fact_once(services, database_url, tmp_path, smtp_server):
    controller, inbox = smtp_server
    turn = 0 if database_url.startswith("sqlite") else 1
    with admin_client(services, "matching") as matching, admin_client(services, "registry") as registry:
        a, b, c = run_school(matching, registry, turn)[:3]
        for pair in (a, b):
            act(matching, pair["id"], "confirm", CONFIRM)
        started = TODAY - timedelta(days=200)
        act(matching, a["id"], "activate", {"started_on": str(started),
                                            "planned_end_on": str(started + timedelta(300))})
        act(matching, b["id"], "activate", {"started_on": str(TODAY - timedelta(100)),
                                            "planned_end_on": str(TODAY + timedelta(20))})
        program = matching.put(f"/api/v1/pairs/{a['id']}/program", json={"goals": "Освоить проектную деятельность",
                               "plan": [{"title": "Посетить четыре урока наставника",
                                         "due_on": str(TODAY - timedelta(5))}]})
        assert program.status_code == 200, program.text
        applicant = f"Заявителева Ольга {uuid.uuid4().hex[:4]}"
        nominated = registry.post("/api/v1/bank/nominations", json={
            "organization_id": a["organization_id"], "full_name": applicant,
            "email": f"applicant-{uuid.uuid4().hex[:6]}@test.local", "consent_processing": True})
        assert nominated.status_code == 201, nominated.text

    settings = console_settings(services, database_url, tmp_path / "var")
    day = local_day(c["expires_at"], settings.console_timezone) - timedelta(days=2)  # the fixed clock of the runs
    app = create_app(settings)
    org = a["organization_id"]
    curator = f"curator-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, curator, "school_curator", f"organization:{org}", a["organization_name"], a["region_id"])
    quiet = add_account(app, f"quiet-{uuid.uuid4().hex[:6]}@test.local", "school_curator", f"organization:{org}",
                        a["organization_name"], a["region_id"])
    district = f"district-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, district, "municipal_operator", f"municipality:{c['municipality_id']}", "Район", c["region_id"])
    mentor = f"mentor-{uuid.uuid4().hex[:6]}@test.local"
    account(app, mentor, "mentor", f"mentor:{a['mentor_id']}", a["mentor_name"])
    mentee = f"mentee-{uuid.uuid4().hex[:6]}@test.local"
    account(app, mentee, "mentee", f"mentee:{a['mentee_id']}", a["mentee_name"])

    web = app.test_client()
    link = f"/reminders/off/{unsubscribe_token(settings, quiet)}"
    assert "Отписаться" in web.get(link).get_data(as_text=True)
    assert "отключены" in web.post(link).get_data(as_text=True)  # no sign-in, no CSRF token: the link is signed
    assert web.get(link + "x").status_code == 404

    with httpx.Client(timeout=60) as http:
        facts = ServiceFacts(settings, http).facts(day)
    mine = {p["id"]: {f.kind for f in facts if f.pair_id == p["id"]} for p in (a, b, c)}
    assert mine[a["id"]] == {"plan_overdue", "diary_missing", "report_due"}
    assert "program_ending" in mine[b["id"]] and mine[c["id"]] == {"proposal_expiring"}
    assert len({f.key for f in facts}) == len(facts)
    assert [f.detail for f in facts if f.key == f"application:{nominated.json()['id']}"] == [applicant]

    by_smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                          "smtp_starttls": False, "smtp_user": "reminders", "smtp_password": "s3cret"})
    refused = remind_on(by_smtp.model_copy(update={"smtp_port": free_port()}), day)  # nobody listens there
    assert (refused.digests, refused.failed) == (0, 4)
    with app.extensions["console"].read() as session:
        assert session.exec(select(SentReminder)).all() == []  # nothing recorded: tried again at the next run
    first = remind_on(by_smtp, day)
    received = texts(inbox)
    assert set(received) == {curator, district, mentor, mentee} and first.digests == 4 and first.failed == 0
    assert all(heading in received[curator] for heading in (
        "Просрочены пункты плана", "Нет записи в дневнике наставника", "Не сдан полугодовой отчёт",
        "Скоро истечёт предложение пары", "Скоро заканчивается программа наставничества"))
    assert "Скоро истечёт предложение пары" in received[district] and "Просрочены" not in received[district]
    assert f"{applicant} ({a['organization_name']}): хочет стать наставником" in received[curator]
    assert applicant not in received[district] + received[mentor] + received[mentee]
    assert "Посетить четыре урока наставника" in received[mentee] and "дневнике" not in received[mentee]
    assert a["mentor_name"] in received[mentor] and a["mentee_name"] in received[mentor]
    for text in received.values():
        assert a["id"] not in text and c["id"] not in text and "/reminders/off/" in text
    first_subject = inbox.messages[0][1]["Subject"]
    assert first_subject.startswith("Напоминания о наставничестве на ") and str(day.year) in first_subject

    again = remind_on(settings, day)  # the same day, no SMTP_HOST: nothing at all
    assert again.digests == 0 and not (settings.var_dir / "mail").exists()

    newcomer = f"mentee-b-{uuid.uuid4().hex[:6]}@test.local"
    account(app, newcomer, "mentee", f"mentee:{b['mentee_id']}", b["mentee_name"])
    with httpx.Client(timeout=60) as http:
        fresh = {f.key for f in ServiceFacts(settings, http).facts(day + timedelta(1))} - {f.key for f in facts}
    remind_on(settings, day + timedelta(1))
    with app.extensions["console"].read() as session:
        rows = list(session.exec(select(SentReminder, Account.email).join(Account)))
    next_day = {(email, row.fact_key) for row, email in rows if row.sent_on == day + timedelta(1)}
    assert {key for email, key in next_day if email != newcomer} <= fresh  # nothing sent before is sent again
    assert any(key.startswith(f"end:{b['id']}:") for email, key in next_day if email == newcomer)
    assert len(rows) == len({(row.account_id, row.fact_key) for row, _ in rows})

    admin = f"admin-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, admin, "admin")
    assert sign_in(web, admin).status_code == 302
    listing = web.get("/mail/").get_data(as_text=True)
    assert newcomer in listing and "Напоминания о наставничестве на" in listing
    key = re.search(r'href="/mail/([^"]+)"', listing).group(1)
    shown = web.get(f"/mail/{key}").get_data(as_text=True)
    assert "Скоро заканчивается программа наставничества" in shown and b["mentee_name"] in shown
    assert web.get("/mail/nonexistent").status_code == 404

    users = web.get("/users/").get_data(as_text=True)
    assert "напоминания отключены" in users and "Включить напоминания" in users
    assert post_form(web, "/users/", f"/users/{quiet}/reminders", {}).status_code == 302
    with app.extensions["console"].read() as session:
        assert session.get(Account, quiet).reminders_off_at is None
    assert "Включить напоминания" not in web.get("/users/").get_data(as_text=True)
