"""Forged events put into the stream with the admin's credentials (the only user besides the relays allowed to
publish there) are refused by every consumer's schema validation: terminated, never redelivered, nothing applied.

The embedded stack runs as an operator starts it (`mentoring up`, NATS with its generated users); the forgeries go
in through a plain NATS connection as admin, each with its own event id, and a real organization created through
the registry's API afterwards shows every consumer has gone past them.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from sqlalchemy import Engine, select

from services.matching.adapters import tables as matching_tables
from services.registry.adapters import tables as registry_tables
from services.reports.adapters import tables as reports_tables
from shared.auth import issue_token
from shared.broker import connect
from shared.config import Settings
from shared.db import make_engine
from tests.integration.helpers import eventually
from tests.servers import Stack

NOW = "2026-11-26T10:00:00Z"
PERSON = {"version": 1, "status": "active", "organization_id": "o-forged", "municipality_id": "m-forged",
          "region_id": "default", "registered_at": NOW}
FORGERIES: dict[str, dict[str, Any]] = {  # type → data its schema refuses
    "mentoring.mentor.registered": {**PERSON, "mentor_id": "forged-mentor", "email": "forged@example.org"},
    "mentoring.mentee.registered": {**PERSON, "mentee_id": "forged-mentee", "category": 7},
    "mentoring.organization.upserted": {"organization_id": "forged-org", "version": "first", "name": "Подделка"},
    "mentoring.pair.confirmed": {"pair_id": "forged-pair", "state": "confirmed"},
    "mentoring.run.requested": {"run_id": "forged-run", "scope": ["region", "default"], "requested_by": "x"},
    "mentoring.registry.checkpoint": {"run_id": "forged-run", "position": "last"},
}
READERS = {  # consumer durable → (its service, the forged types it subscribes to)
    "matching-read-model": (matching_tables.inbox, ("mentoring.mentor.registered", "mentoring.mentee.registered",
                                                    "mentoring.organization.upserted",
                                                    "mentoring.registry.checkpoint")),
    "reports-projection": (reports_tables.inbox, ("mentoring.mentor.registered", "mentoring.mentee.registered",
                                                  "mentoring.organization.upserted", "mentoring.pair.confirmed")),
    "registry-checkpoints": (registry_tables.inbox, ("mentoring.run.requested",)),
    "matching-worker": (matching_tables.inbox, ("mentoring.run.requested",)),
}


def envelope(type_: str, data: dict[str, Any]) -> tuple[str, bytes]:
    event_id = str(uuid.uuid4())
    return event_id, json.dumps({"specversion": "1.0", "id": event_id, "type": type_, "source": "/registry",
                                 "subject": "forged", "time": NOW, "datacontenttype": "application/json",
                                 "data": data}).encode()


async def publish_as_admin(settings: Settings, forged: dict[str, tuple[str, bytes]]) -> None:
    nc = await connect(settings, name="forger", reconnect_forever=False)
    try:
        js = nc.jetstream()
        for type_, (event_id, body) in forged.items():
            await js.publish(type_, body, headers={"Nats-Msg-Id": event_id})
    finally:
        await nc.close()


async def consumers(settings: Settings) -> dict[str, Any]:
    nc = await connect(settings, name="probe", reconnect_forever=False)
    try:
        return {info.name: info for info in await nc.jetstream().consumers_info(settings.stream_name)}
    finally:
        await nc.close()


def engine_of(stack: Stack, service: str) -> Engine:
    url = stack.database_url or f"sqlite:///{stack.workdir / 'var' / f'{service}.db'}"
    return make_engine(Settings(database_url=url).resolved_database_url())


def test_forged_events_are_terminated_by_every_consumer_and_nothing_of_them_is_applied(stack):
    settings = stack.nats_settings()
    forged = {type_: envelope(type_, data) for type_, data in FORGERIES.items()}
    asyncio.run(publish_as_admin(settings, forged))

    token = issue_token(Settings(), "admin", subject="forgery-check")
    with httpx.Client(base_url=stack.url("registry"), headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as registry:
        real = registry.post("/api/v1/organizations", json={
            "name": "МБОУ СОШ № 1", "kind": "school", "municipality": "Белоярский район"}).raise_for_status().json()

    engines = {service: engine_of(stack, service) for service in ("registry", "matching", "reports")}
    try:
        def reached(durable: str) -> bool:
            inbox, _ = READERS[durable]
            service = inbox.name.split("_")[0]
            with engines[service].connect() as connection:
                types = set(connection.scalars(select(inbox.c.event_type).where(inbox.c.consumer == durable)))
            return "mentoring.organization.upserted" in types or durable in ("registry-checkpoints",
                                                                             "matching-worker")

        asyncio.run(eventually(lambda: all(reached(d) for d in ("matching-read-model", "reports-projection")),
                               timeout_s=60))

        async def all_settled() -> bool:
            infos = await consumers(settings)
            return set(READERS) <= set(infos) and all(
                infos[d].num_pending == 0 and infos[d].num_ack_pending == 0 for d in READERS)

        asyncio.run(eventually(all_settled, timeout_s=60, every_s=0.5))
        forged_ids = {event_id for event_id, _ in forged.values()}
        log = [json.loads(line.split(" | ", 1)[1]) for line in stack.log().splitlines()
               if " | {" in line and "terminated" in line]
        for durable, (inbox, types) in READERS.items():
            service = inbox.name.split("_")[0]
            with engines[service].connect() as connection:
                applied = set(connection.scalars(select(inbox.c.event_id).where(inbox.c.consumer == durable)))
            assert not applied & forged_ids, durable
            terminated = {entry.get("event_id") for entry in log if entry.get("consumer") == durable}
            assert {forged[t][0] for t in types} <= terminated, durable
        with engines["matching"].connect() as connection:
            organizations = set(connection.scalars(select(matching_tables.OrganizationView.id)))
        assert real["id"] in organizations and "forged-org" not in organizations
    finally:
        for engine in engines.values():
            engine.dispose()
