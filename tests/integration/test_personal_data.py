"""Personal data: events and logs carry ids and the fields consumers need, never contact details.

Mentors and mentees are registered with e-mail addresses, pages and telephone numbers typed into free text,
paired and withdrawn through the APIs; then every event in the outboxes and on the stream, every JSON log line
written while serving (including a failed write), the public bank and the audit trail are read back.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from services.matching.adapters.tables import outbox as matching_outbox
from services.registry.adapters.tables import outbox as registry_outbox
from services.registry.api.schemas.bank import BankEntry
from shared.auth import issue_token
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.db import UnitOfWork
from shared.event_catalog import CATALOG
from shared.outbox import OutboxRelay
from tests.integration.helpers import stream_events
from tests.integration.test_access_matrix import CONFIRM, REGION_A, apps, deliver, engine_of

TODAY = date.today()
PEOPLE_EVENTS = {f"mentoring.{kind}.{action}" for kind in ("mentor", "mentee")
                 for action in ("registered", "updated", "withdrawn", "erased")}


class Seeded:
    """Clients, headers and what was typed in: the contact values that must never travel."""

    def __init__(self, clients: dict[str, Any], log: io.StringIO) -> None:
        self.clients, self.log = clients, log
        settings = clients["registry"].application.extensions["mentoring"].settings
        self.settings = settings
        self.admin = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
        self.contacts: list[str] = []
        self.names: list[str] = []
        self.ids: dict[str, str] = {}
        self.fed: dict[str, int] = {}

    def engine(self, service: str) -> Any:
        return engine_of(self.clients[service])

    def token(self, role: str, scope: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, role, scope)}"}

    def call(self, service: str, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        response = self.clients[service].open(path, method=method, headers=self.admin, **kwargs)
        assert response.status_code == status, response.get_json()
        return response.get_json()


def capture_json_logs() -> io.StringIO:
    """Point the services' JSON log handler (configured by the app factory) at a buffer."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_mentoring", False)]
    assert handlers, "the services configure their JSON log handler"
    log = io.StringIO()
    handlers[0].setStream(log)
    return log


def register_people(world: Seeded) -> None:
    """A school, three mentors (published, unpublished, withdrawn) and a mentee, all with contacts."""
    org = world.call("registry", "POST", "/api/v1/organizations", 201, json={
        "name": "МБОУ СОШ № 7", "municipality": "Белоярский район", "teachers": 30, "young_specialists": 3})
    world.ids["org"], world.ids["municipality"] = org["id"], org["municipality_id"]
    for key, consent in (("open", True), ("closed", False), ("gone", True)):
        name, phone = f"Наставница {key.capitalize()} Петровна", f"+7 912 000-11-{len(key):02d}"
        world.ids[key] = world.call("registry", "POST", "/api/v1/mentors", 201, json={
            "organization_id": org["id"], "full_name": name, "subjects": ["math"], "stages": ["basic", "secondary"],
            "capacity": 2, "consent_publication": consent, "email": f"{key}.mentor@example.ru",
            "page_url": f"https://school7.example.ru/{key}", "honours": f"звонить {key} {phone}"})["id"]
        world.names.append(name)
        world.contacts += [f"{key}.mentor@example.ru", f"school7.example.ru/{key}", phone]
    world.ids["mentee"] = world.call("registry", "POST", "/api/v1/mentees", 201, json={
        "organization_id": org["id"], "full_name": "Молодая Ирина Сергеевна", "subject": "math", "stage": "basic",
        "email": "irina.young@example.ru", "deficits": "связаться по телефону 8 (3467) 22-33-44"})["id"]
    world.names.append("Молодая Ирина Сергеевна")
    world.contacts += ["irina.young@example.ru", "22-33-44"]
    world.call("registry", "PATCH", f"/api/v1/mentors/{world.ids['open']}", 200,
               json={"email": "open.new@example.ru", "capacity": 3})
    world.contacts.append("open.new@example.ru")
    world.call("registry", "POST", f"/api/v1/mentors/{world.ids['gone']}/withdraw", 200, json={"reason": "уволилась"})


def pair_them(world: Seeded) -> None:
    """The published mentor and the mentee become an active pair; a matching run is queued."""
    pair = world.call("matching", "POST", "/api/v1/pairs", 201,
                      json={"mentor_id": world.ids["open"], "mentee_id": world.ids["mentee"]})
    base = f"/api/v1/pairs/{pair['id']}"
    world.call("matching", "POST", f"{base}/confirm", 200, json=CONFIRM)
    start = TODAY - timedelta(days=40)
    world.call("matching", "POST", f"{base}/activate", 200,
               json={"started_on": str(start), "planned_end_on": str(start + timedelta(days=180))})
    world.call("matching", "POST", "/api/v1/runs", 202,
               json={"scope": f"organization:{world.ids['org']}", "dry_run": True})


@pytest.fixture
def seeded(database_url, nats_server, settings_factory) -> Seeded:
    def json_logs(*args: Any, **extra: Any) -> Settings:
        return settings_factory(*args, **extra).model_copy(update={"log_json": True})

    clients = apps(json_logs, database_url, nats_server.url, log_level="DEBUG")
    world = Seeded(clients, capture_json_logs())
    register_people(world)
    deliver(clients, world.fed)
    pair_them(world)
    deliver(clients, world.fed)
    return world


def outbox_events(world: Seeded) -> list[dict[str, Any]]:
    events = []
    for service, outbox in (("registry", registry_outbox), ("matching", matching_outbox)):
        with UnitOfWork(world.engine(service)) as uow:
            bodies = uow.session.execute(select(outbox.table.c.body).order_by(outbox.table.c.seq)).scalars()
            events += [json.loads(body) for body in bodies]
    return events


def leaks(text_: str, values: list[str]) -> list[str]:
    return [value for value in values if value.lower() in text_.lower()]


def assert_carries_no_contacts(events: list[dict[str, Any]], world: Seeded) -> None:
    """No contact value and no name anywhere (a person's own event carries the name sealed); only catalog fields."""
    for event in events:
        raw = json.dumps(event, ensure_ascii=False)
        assert not leaks(raw, world.contacts), (event["type"], leaks(raw, world.contacts))
        assert not ({"email", "page_url", "phone", "honours", "deficits"} & set(event["data"])), event["type"]
        assert set(event["data"]) <= set(CATALOG[event["type"]].model_fields), event["type"]
        assert not leaks(raw, world.names), (event["type"], leaks(raw, world.names))
        if event["type"] not in PEOPLE_EVENTS:
            assert "full_name_sealed" not in event["data"], event["type"]


async def test_events_in_the_outboxes_and_on_the_stream_carry_ids_not_contact_details(seeded):
    events = outbox_events(seeded)
    kinds = {e["type"] for e in events}
    assert {"mentoring.mentor.registered", "mentoring.mentor.updated", "mentoring.mentor.withdrawn",
            "mentoring.mentee.registered", "mentoring.pair.proposed", "mentoring.pair.confirmed",
            "mentoring.pair.activated", "mentoring.run.requested"} <= kinds
    assert_carries_no_contacts(events, seeded)

    async def relay_all() -> None:
        nc = await connect(seeded.settings, name="test-relay", reconnect_forever=False)
        try:
            js = nc.jetstream()
            await ensure_stream(js, seeded.settings)
            for service, outbox in (("registry", registry_outbox), ("matching", matching_outbox)):
                relay = OutboxRelay(seeded.engine(service), outbox, seeded.settings)
                while await relay.relay_batch(js):
                    pass
        finally:
            await nc.close()

    await relay_all()
    published = await stream_events(seeded.settings)
    assert sorted(e["id"] for e in published) == sorted(e["id"] for e in events)
    assert_carries_no_contacts(published, seeded)


def test_json_logs_of_the_requests_hold_no_contact_details_even_when_a_write_fails(seeded):
    with UnitOfWork(seeded.engine("registry")) as uow:
        uow.session.execute(text("DROP TABLE registry_audit"))  # the database refuses the write half way
        uow.commit()
    failed = seeded.clients["registry"].post("/api/v1/mentors", headers=seeded.admin, json={
        "organization_id": seeded.ids["org"], "full_name": "Сбойная Ольга Игоревна", "subjects": ["math"],
        "email": "failing.write@example.ru"})
    assert failed.status_code == 500 and "failing.write" not in failed.get_data(as_text=True)
    seeded.contacts.append("failing.write@example.ru")
    seeded.names.append("Сбойная Ольга Игоревна")
    lines = [line for line in seeded.log.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(r.get("message") == "unhandled error" for r in records), "the failed write is logged"
    assert all(r.get("service") for r in records)
    everything = "\n".join(lines)
    assert not leaks(everything, seeded.contacts), leaks(everything, seeded.contacts)
    assert not leaks(everything, seeded.names), leaks(everything, seeded.names)


def test_the_public_bank_shows_only_consented_active_mentors_and_only_published_fields(seeded):
    registry = seeded.clients["registry"]
    bank = registry.get("/api/v1/bank").get_json()["items"]
    assert [e["id"] for e in bank] == [seeded.ids["open"]]
    assert set(bank[0]) == set(BankEntry.model_fields)
    assert not leaks(json.dumps(bank, ensure_ascii=False), ["@", "+7 912", "звонить"])
    page = registry.get("/bank").get_data(as_text=True)
    assert "Наставница Open Петровна" in page
    assert not leaks(page, ["Наставница Closed", "Наставница Gone", "Молодая Ирина", "@example.ru", "+7 912"])
    seeded.call("registry", "PATCH", f"/api/v1/mentors/{seeded.ids['open']}", 200, json={"consent_publication": False})
    assert registry.get("/api/v1/bank").get_json()["items"] == []
    dashboard = seeded.clients["reports"].get("/dashboard")
    assert dashboard.status_code == 200
    assert not leaks(dashboard.get_data(as_text=True), [*seeded.names, "@example.ru", "+7 912"])


def test_the_audit_trail_of_who_changed_which_record_is_for_admins_only(seeded):
    registry = seeded.clients["registry"]
    path = "/api/v1/audit"
    trail = registry.get(path, query_string={"entity_id": seeded.ids["open"]}, headers=seeded.admin).get_json()
    assert [r["action"] for r in trail["items"]] == ["updated", "created"]
    assert all(r["actor"].startswith("admin:") and r["entity"] == "mentor" for r in trail["items"])
    assert trail["items"][0]["changes"]["email"] == ["open.mentor@example.ru", "open.new@example.ru"]
    withdrawn = registry.get(path, query_string={"entity_id": seeded.ids["gone"]}, headers=seeded.admin).get_json()
    assert withdrawn["items"][0]["action"] == "withdrawn"
    org, municipality = seeded.ids["org"], seeded.ids["municipality"]
    scoped = (("region_operator", f"region:{REGION_A}"), ("municipal_operator", f"municipality:{municipality}"),
              ("school_curator", f"organization:{org}"), ("integrator", None))
    for role, scope in scoped:
        refused = registry.get(path, query_string={"entity_id": seeded.ids["open"]}, headers=seeded.token(role, scope))
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json", role
    assert registry.get(path).status_code == 401
