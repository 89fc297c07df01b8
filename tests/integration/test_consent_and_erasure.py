"""Personal data by 152-ФЗ, end to end over the three in-process services and their databases.

Consent to processing: a mentor or mentee without it is not matched (a run, a manual pair, suggestions), not
published, not exported beyond the district, and never written into a log. Erasure on request: the name and the
contacts are gone from every table of every service (sent and unsent events included), from the events published
after it, the erasure is audited without the old name, and the indicators stay equal. Retention pseudonymises only
people withdrawn longer than the period, on a fixed clock. The import reads the consent day and never revives an
erased person.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import LargeBinary, String, Text, inspect, select, text, update

from ops.retention import run_retention
from services.matching.adapters.tables import outbox as matching_outbox
from services.matching.use_cases.run_claim import claim
from services.matching.use_cases.run_execution import NO_CONSENT, execute
from services.registry.adapters.person_kinds import MENTEES
from services.registry.adapters.tables import Mentee
from services.registry.adapters.tables import outbox as registry_outbox
from services.registry.domain.personal_data import PSEUDONYM_PREFIX, pseudonym
from services.registry.use_cases.erasure import erase_withdrawn
from shared.db import UnitOfWork
from tests.integration.test_access_matrix import CONFIRM, REGION_A, apps, deliver
from tests.integration.test_personal_data import Seeded, capture_json_logs, leaks

CONSENT_DAY = date.today() - timedelta(days=30)
WITH = {"consent_processing_on": str(CONSENT_DAY)}
WITHOUT = {"consent_processing": False}
MENTOR = {"subjects": ["math"], "stages": ["basic", "secondary"], "capacity": 1, "consent_publication": True}
MENTEE = {"subject": "math", "stage": "basic"}


@pytest.fixture
def world(database_url, nats_server, settings_factory) -> Seeded:
    """A school; mentors A (consenting) and B (published, but without consent to processing), both capacity 1;
    mentees X and Y (consenting) and Z (without consent); events delivered to matching and reports."""
    def json_logs(*args: Any, **extra: Any) -> Any:
        return settings_factory(*args, **extra).model_copy(update={"log_json": True})

    clients = apps(json_logs, database_url, nats_server.url, log_level="DEBUG")
    world = Seeded(clients, capture_json_logs())
    org = world.call("registry", "POST", "/api/v1/organizations", 201, json={
        "name": "МБОУ СОШ № 12", "municipality": "Кондинский район", "teachers": 30, "young_specialists": 3})
    world.ids["org"], world.ids["municipality"] = org["id"], org["municipality_id"]
    for key, name, consent in (("A", "Согласная Анна Павловна", WITH), ("B", "Несогласная Бэлла Юрьевна", WITHOUT)):
        world.ids[key] = world.call("registry", "POST", "/api/v1/mentors", 201, json={
            "organization_id": org["id"], "full_name": name, **MENTOR, **consent,
            "email": f"{key.lower()}.mentor@example.ru", "honours": f"тел. 8 900 000-00-{ord(key)}"})["id"]
        world.names.append(name)
    for key, name, consent in (("X", "Первая Ксения Игоревна", WITH), ("Y", "Вторая Яна Олеговна", WITH),
                               ("Z", "Закрытая Зоя Ивановна", WITHOUT)):
        world.ids[key] = world.call("registry", "POST", "/api/v1/mentees", 201, json={
            "organization_id": org["id"], "full_name": name, **MENTEE, **consent,
            "email": f"{key.lower()}.mentee@example.ru", "deficits": f"писать {key.lower()}.mentee@example.ru"})["id"]
        world.names.append(name)
    deliver(clients, world.fed)
    return world


def run_now(world: Seeded) -> dict[str, Any]:
    """A real (not dry) run over the school, claimed and executed in-process as the worker does."""
    matching = world.clients["matching"]
    queued = world.call("matching", "POST", "/api/v1/runs", 202, json={"scope": f"organization:{world.ids['org']}"})
    engine = world.engine("matching")
    execute(engine, matching.application.extensions["mentoring"].settings, claim(engine, queued["id"]))
    return world.call("matching", "GET", f"/api/v1/runs/{queued['id']}", 200)


def csv_names(world: Seeded, headers: dict[str, str]) -> set[str]:
    response = world.clients["registry"].get("/api/v1/exports/mentors.csv", headers=headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    return {row[2] for row in rows[1:]}


def test_consent_is_recorded_with_its_day_and_required_for_matching_publishing_and_export(world):
    a = world.call("registry", "GET", f"/api/v1/mentors/{world.ids['A']}", 200)
    b = world.call("registry", "GET", f"/api/v1/mentors/{world.ids['B']}", 200)
    assert (a["consent_processing"], a["consent_processing_on"]) == (True, str(CONSENT_DAY))
    assert (b["consent_processing"], b["consent_processing_on"]) == (False, None)
    future = world.clients["registry"].patch(f"/api/v1/mentors/{world.ids['B']}", headers=world.admin,
                                             json={"consent_processing_on": str(date.today() + timedelta(days=5))})
    assert future.status_code == 422 and "в будущем" in future.get_json()["detail"]

    run = run_now(world)
    assert run["counts"]["matched"] == 1 and run["counts"]["mentees_in_scope"] == 3
    reasons = {u["mentee_id"]: u for u in run["unmatched"]}
    assert reasons[world.ids["Z"]] == {"mentee_id": world.ids["Z"], "full_name": "", "reason": NO_CONSENT}
    other = (set(reasons) - {world.ids["Z"]}).pop()  # X or Y: the only consenting mentor is taken, B is never used
    assert reasons[other]["reason"] == "все подходящие наставники заняты"
    pairs = world.call("matching", "GET", "/api/v1/pairs", 200)["items"]
    assert [p["mentor_id"] for p in pairs] == [world.ids["A"]]

    refused = world.clients["matching"].post("/api/v1/pairs", headers=world.admin,
                                             json={"mentor_id": world.ids["B"], "mentee_id": other})
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"] == [{"field": "mentor_id",
                                             "message": "наставник: нет согласия на обработку персональных данных"}]
    refused = world.clients["matching"].post("/api/v1/pairs", headers=world.admin,
                                             json={"mentor_id": world.ids["A"], "mentee_id": world.ids["Z"]})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "mentee_id"
    suggested = world.clients["matching"].get(f"/api/v1/mentees/{world.ids['Z']}/suggestions", headers=world.admin)
    assert suggested.status_code == 422

    bank = world.clients["registry"].get("/api/v1/bank").get_json()["items"]
    assert [e["id"] for e in bank] == [world.ids["A"]]  # B agreed to publication, not to processing
    assert "Несогласная" not in world.clients["registry"].get("/bank").get_data(as_text=True)

    region = world.token("region_operator", f"region:{REGION_A}")
    district = world.token("municipal_operator", f"municipality:{world.ids['municipality']}")
    assert csv_names(world, region) == csv_names(world, world.admin) == {"Согласная Анна Павловна"}
    assert csv_names(world, district) == {"Согласная Анна Павловна", "Несогласная Бэлла Юрьевна"}

    with UnitOfWork(world.engine("registry")) as uow:
        uow.session.execute(text("DROP TABLE registry_audit"))  # a failed write of a person without consent
        uow.commit()
    failed = world.clients["registry"].post("/api/v1/mentees", headers=world.admin, json={
        "organization_id": world.ids["org"], "full_name": "Сбойная Софья Львовна", **MENTEE, **WITHOUT})
    assert failed.status_code == 500
    records = [json.loads(line) for line in world.log.getvalue().splitlines() if line.strip()]
    assert any(r.get("message") == "unhandled error" for r in records), "the failed write is logged"
    logged = world.log.getvalue()
    assert not leaks(logged, ["Несогласная Бэлла Юрьевна", "Закрытая Зоя Ивановна", "Сбойная Софья Львовна",
                              "@example.ru"])


def text_of_every_table(world: Seeded) -> str:
    """Every text and binary column of every table in the databases of the three services, as one text."""
    seen, chunks = set(), []
    for service in ("registry", "matching", "reports"):
        engine = world.engine(service)
        if str(engine.url) in seen:
            continue
        seen.add(str(engine.url))
        inspector = inspect(engine)
        tables = {table: [c["name"] for c in inspector.get_columns(table)
                          if isinstance(c["type"], (String, Text, LargeBinary))]
                  for table in inspector.get_table_names()}
        with engine.connect() as connection:
            for table, columns in tables.items():
                for row in connection.execute(text(f"SELECT {', '.join(columns) or '1'} FROM {table}")):
                    chunks += [v.decode() if isinstance(v, bytes) else str(v) for v in row if v is not None]
    assert len(seen) >= 1 and chunks
    return "\n".join(chunks)


def without_moments(value: Any) -> Any:
    """The answer without the moments it was computed at (`as_of`, freshness), at any depth."""
    if isinstance(value, dict):
        return {k: without_moments(v) for k, v in value.items() if k not in {"as_of", "freshness", "generated_at"}}
    if isinstance(value, list):
        return [without_moments(v) for v in value]
    return value


def indicators(world: Seeded) -> dict[str, Any]:
    answer = world.call("reports", "GET", "/api/v1/indicators", 200,
                        query_string={"scope": f"municipality:{world.ids['municipality']}"})
    figures = without_moments(answer)
    assert any(i.get("numerator") for i in figures["indicators"]), "some indicator counts the people"
    return figures


def outbox_seqs(world: Seeded) -> dict[str, int]:
    seqs = {}
    for service, outbox in (("registry", registry_outbox), ("matching", matching_outbox)):
        with UnitOfWork(world.engine(service)) as uow:
            seqs[service] = uow.session.execute(select(outbox.table.c.seq).order_by(outbox.table.c.seq.desc())
                                                .limit(1)).scalar() or 0
    return seqs


def events_after(world: Seeded, seqs: dict[str, int]) -> list[dict[str, Any]]:
    events = []
    for service, outbox in (("registry", registry_outbox), ("matching", matching_outbox)):
        with UnitOfWork(world.engine(service)) as uow:
            bodies = uow.session.execute(select(outbox.table.c.body).where(outbox.table.c.seq > seqs[service])
                                         .order_by(outbox.table.c.seq)).scalars()
            events += [json.loads(body) for body in bodies]
    return events


def test_erasure_removes_the_name_and_contacts_from_every_service_and_keeps_the_indicators(world):
    run = run_now(world)
    pair = world.call("matching", "GET", "/api/v1/pairs", 200)["items"][0]  # mentor A's, with a diary naming A
    world.call("matching", "POST", f"/api/v1/pairs/{pair['id']}/confirm", 200, json=CONFIRM)
    start = date.today() - timedelta(days=40)
    world.call("matching", "POST", f"/api/v1/pairs/{pair['id']}/activate", 200,
               json={"started_on": str(start), "planned_end_on": str(start + timedelta(days=180))})
    world.call("matching", "POST", f"/api/v1/pairs/{pair['id']}/diary", 201, json={
        "month": start.strftime("%Y-%m"), "author": "Согласная Анна Павловна",
        "text": "Согласная Анна Павловна провела открытый урок"})
    deliver(world.clients, world.fed)
    unmatched = next(u for u in run["unmatched"] if u["mentee_id"] != world.ids["Z"])
    mentee_id = unmatched["mentee_id"]  # a run result lists this mentee by name
    mentee = world.call("registry", "GET", f"/api/v1/mentees/{mentee_id}", 200)
    assert unmatched["full_name"] == mentee["full_name"]
    erased_names = [mentee["full_name"], "Согласная Анна Павловна"]
    contacts = [f"{mentee['email']}", "a.mentor@example.ru", f"8 900 000-00-{ord('A')}"]
    before_text = text_of_every_table(world)
    assert not [n for n in erased_names if n not in before_text], "the names are stored before the erasure"
    before, seqs = indicators(world), outbox_seqs(world)

    erased = world.call("registry", "POST", f"/api/v1/mentees/{mentee_id}/erase", 200,
                        json={"reason": "заявление субъекта ПДн № 17 от 20.11.2026"})
    assert erased["full_name"] == pseudonym(mentee_id) and erased["full_name"].startswith(PSEUDONYM_PREFIX)
    assert (erased["email"], erased["deficits"], erased["consent_processing"]) == (None, None, False)
    assert erased["status"] == "active" and erased["erased_at"]
    mentor = world.call("registry", "POST", f"/api/v1/mentors/{world.ids['A']}/erase", 200,
                        json={"reason": "заявление субъекта ПДн № 18"})
    assert (mentor["full_name"], mentor["email"], mentor["honours"]) == (pseudonym(world.ids["A"]), None, None)
    again = world.call("registry", "POST", f"/api/v1/mentees/{mentee_id}/erase", 200, json={"reason": "повторно"})
    assert again["version"] == erased["version"]  # final: a second erasure changes nothing
    back = world.clients["registry"].patch(f"/api/v1/mentees/{mentee_id}", headers=world.admin,
                                           json={"full_name": mentee["full_name"]})
    assert back.status_code == 409
    curator = world.token("school_curator", f"organization:{world.ids['org']}")
    assert world.clients["registry"].post(f"/api/v1/mentees/{world.ids['X']}/erase", headers=curator,
                                          json={"reason": "x"}).status_code == 403
    deliver(world.clients, world.fed)

    after_text = text_of_every_table(world)
    assert not leaks(after_text, erased_names + contacts), leaks(after_text, erased_names + contacts)
    assert pseudonym(mentee_id) in after_text and pseudonym(world.ids["A"]) in after_text
    new_events = events_after(world, seqs)
    assert {e["type"] for e in new_events} == {"mentoring.mentee.erased", "mentoring.mentor.erased"}
    assert not leaks(json.dumps(new_events, ensure_ascii=False), erased_names + contacts)
    rerun = world.call("matching", "GET", f"/api/v1/runs/{run['id']}", 200)
    assert {u["mentee_id"]: u["full_name"] for u in rerun["unmatched"]}[mentee_id] == pseudonym(mentee_id)

    trail = world.call("registry", "GET", "/api/v1/audit", 200, query_string={"entity_id": mentee_id})["items"]
    assert trail[0]["action"] == "erased" and trail[0]["actor"].startswith("admin:")
    assert trail[0]["changes"] == {"reason": "заявление субъекта ПДн № 17 от 20.11.2026", "basis": "request"}
    assert [r["action"] for r in trail] == ["erased", "created"]
    assert indicators(world) == before  # the person still counts: status, place and request are kept
    logged = world.log.getvalue()
    assert not leaks(logged, erased_names + contacts)


def test_retention_pseudonymises_only_people_withdrawn_longer_than_the_period(world):
    now = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
    ids = {key: world.ids[key] for key in ("X", "Y", "Z")}
    ids["W"] = world.call("registry", "POST", "/api/v1/mentees", 201, json={
        "organization_id": world.ids["org"], "full_name": "Давняя Вера Петровна", **MENTEE, **WITH})["id"]
    for key in ("X", "Y", "W"):
        world.call("registry", "POST", f"/api/v1/mentees/{ids[key]}/withdraw", 200, json={"reason": "уволилась"})
    engine = world.engine("registry")
    with UnitOfWork(engine) as uow:  # X, W withdrawn 1096 and 2000 days before `now`, Y 1094; Z active for years
        for key, days in (("X", 1096), ("Y", 1094), ("W", 2000), ("Z", 4000)):
            uow.session.execute(update(Mentee).where(Mentee.id == ids[key])
                                .values(updated_at=now - timedelta(days=days)))
        uow.commit()
    with UnitOfWork(engine, registry_outbox) as uow:
        assert erase_withdrawn(uow, world.settings, MENTEES, days=1095, now=now) == 2
    with UnitOfWork(engine, registry_outbox) as uow:
        assert erase_withdrawn(uow, world.settings, MENTEES, days=1095, now=now) == 0  # done once
    names = {key: world.call("registry", "GET", f"/api/v1/mentees/{ids[key]}", 200)["full_name"] for key in ids}
    assert names == {"X": pseudonym(ids["X"]), "Y": "Вторая Яна Олеговна", "Z": "Закрытая Зоя Ивановна",
                     "W": pseudonym(ids["W"])}
    trail = world.call("registry", "GET", "/api/v1/audit", 200, query_string={"entity_id": ids["X"]})["items"]
    assert trail[0]["actor"] == "admin:retention"
    assert trail[0]["changes"] == {"basis": "retention", "retention_days": 1095}
    deliver(world.clients, world.fed)
    stored = text_of_every_table(world)
    assert not leaks(stored, ["Первая Ксения Игоревна", "Давняя Вера Петровна"])
    assert "Вторая Яна Олеговна" in stored

    with UnitOfWork(engine) as uow:  # `mentoring retention --days 1` on the real clock: Y withdrawn two days ago
        uow.session.execute(update(Mentee).where(Mentee.id == ids["Y"])
                            .values(updated_at=datetime.now(UTC) - timedelta(days=2)))
        uow.commit()
    assert run_retention(world.settings, 1) == {"Наставник": 0, "Наставляемый": 1, "Заявка из банка": 0}
    assert world.call("registry", "GET", f"/api/v1/mentees/{ids['Y']}", 200)["full_name"] == pseudonym(ids["Y"])


def import_mentees(world: Seeded, rows: list[str]) -> dict[str, Any]:
    header = "Район;ОО;ФИО наставляемого;Предмет;Уровень образования;Стаж;Категория наставляемого;Запрос;" \
             "Дата согласия на обработку персональных данных"
    content = "\n".join([header, *rows]).encode("utf-8-sig")
    answer = world.clients["registry"].post("/api/v1/imports", query_string={"kind": "mentees", "on_error": "skip"},
                                            data={"file": (io.BytesIO(content), "Наставляемые.csv")},
                                            headers=world.admin, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_import_reads_the_consent_day_and_never_revives_an_erased_person(world):
    place = "Кондинский район;МБОУ СОШ № 12"
    report = import_mentees(world, [
        f"{place};Датированная Дарья;математика;основное общее;1;молодой специалист;;12.05.2024",
        f"{place};Согласная Серафима;математика;основное общее;1;молодой специалист;;да",
        f"{place};Пустая Полина;математика;основное общее;1;молодой специалист;;",
        f"{place};Будущая Божена;математика;основное общее;1;молодой специалист;;01.01.2099"])
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(5, "bad_consent")]
    listed = world.call("registry", "GET", "/api/v1/mentees", 200, query_string={"limit": 100})["items"]
    consent = {m["full_name"]: (m["consent_processing"], m["consent_processing_on"]) for m in listed}
    assert consent["Датированная Дарья"] == (True, "2024-05-12")
    assert consent["Согласная Серафима"] == (True, datetime.now(UTC).date().isoformat())
    assert consent["Пустая Полина"] == (False, None)
    assert consent["Первая Ксения Игоревна"] == (True, str(CONSENT_DAY))  # not in the file: kept

    world.call("registry", "POST", f"/api/v1/mentees/{world.ids['X']}/erase", 200, json={"reason": "заявление"})
    name = pseudonym(world.ids["X"])
    again = import_mentees(world, [f"{place};{name};математика;основное общее;1;молодой специалист;;да"])
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    erased = world.call("registry", "GET", f"/api/v1/mentees/{world.ids['X']}", 200)
    assert (erased["consent_processing"], erased["full_name"]) == (False, name)
