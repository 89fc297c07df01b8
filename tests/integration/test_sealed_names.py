"""Names travel sealed: the registry's API → its outbox → the relay → the real nats-server → matching's read-model
consumer, which opens them. The stream and the outbox hold no name in clear; an event whose sealed name no key
opens is terminated with nothing applied; erasure seals the pseudonym into the events still in the outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlmodel import Session

from services.matching.adapters import tables as read_model
from services.matching.consumer import consumer_specs
from services.registry.adapters.tables import outbox as registry_outbox
from services.registry.domain.personal_data import pseudonym
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.consumer import ConsumerRunner, Outcome
from shared.db import UnitOfWork
from shared.events import encode
from shared.outbox import OutboxRelay
from shared.sealing import seal, unseal
from tests.integration.helpers import eventually, mentor_event, org_event, stream_events

MENTOR, CURATOR, HEAD = "Печатникова Ангелина Ростиславовна", "Кураторова Вера Львовна", "Директоров Иван Петрович"


def engine_of(client: Any) -> Any:
    return client.ctx.engine


@pytest.fixture
async def pipeline(registry, matching) -> AsyncIterator[tuple[Any, Any, ConsumerRunner]]:
    """The registry's relay and matching's read-model consumer, running as their processes run them
    (`mentoring relay registry`, `mentoring consume matching read-model`)."""
    stop = asyncio.Event()
    relay = OutboxRelay(engine_of(registry), registry_outbox, registry.settings)
    runner = ConsumerRunner(engine_of(matching), read_model.inbox, consumer_specs(matching.settings)["read-model"],
                            matching.settings, outbox=read_model.outbox)
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(runner.run(stop))]
    yield registry, matching, runner
    stop.set()
    await asyncio.gather(*tasks)


def read(client: Any, model: Any, key: str) -> Any:
    with Session(engine_of(client)) as session:
        return session.get(model, key)


def sealed_values(event: dict[str, Any]) -> list[str]:
    return [value for field, value in event["data"].items() if field.endswith("_sealed") and value is not None]


async def test_a_mentor_registered_in_the_registry_reaches_matching_by_name_sealed_all_the_way(pipeline):
    registry, matching_app, runner = pipeline
    org = registry.post("/api/v1/organizations", headers=registry.admin, json={
        "name": "МБОУ СОШ № 3", "municipality": "Кондинский район", "curator_name": CURATOR,
        "curator_position": "заместитель директора", "head_name": HEAD, "head_position": "директор"}).json
    mentor = registry.post("/api/v1/mentors", headers=registry.admin, json={
        "organization_id": org["id"], "full_name": MENTOR, "subjects": ["math"], "stages": ["basic"]}).json
    await eventually(lambda: read(matching_app, read_model.MentorView, mentor["id"]) is not None, timeout_s=20)

    assert read(matching_app, read_model.MentorView, mentor["id"]).full_name == MENTOR
    school = read(matching_app, read_model.OrganizationView, org["id"])
    assert (school.curator_name, school.head_name, school.head_position) == (CURATOR, HEAD, "директор")
    events = [e for e in await stream_events(registry.settings) if e["type"].startswith("mentoring.")]
    assert {"mentoring.organization.upserted", "mentoring.mentor.registered"} <= {e["type"] for e in events}
    with UnitOfWork(engine_of(registry)) as uow:
        bodies = uow.session.execute(select(registry_outbox.table.c.body)).scalars().all()
    for raw in [json.dumps(e, ensure_ascii=False) for e in events] + [b.decode() for b in bodies]:
        assert not [n for n in (MENTOR, CURATOR, HEAD, "Печатникова", "Кураторова") if n in raw], raw
    opened = {unseal(matching_app.settings, token) for e in events for token in sealed_values(e)}
    assert opened == {MENTOR, CURATOR, HEAD}
    assert runner.counts[Outcome.TERMINATED] == 0


async def test_erasure_seals_the_pseudonym_into_every_event_about_the_person(pipeline):
    registry, matching_app, _ = pipeline
    org = registry.post("/api/v1/organizations", headers=registry.admin, json={
        "name": "МБОУ СОШ № 4", "municipality": "Кондинский район"}).json
    mentor = registry.post("/api/v1/mentors", headers=registry.admin, json={
        "organization_id": org["id"], "full_name": MENTOR, "subjects": ["math"], "stages": ["basic"]}).json
    registry.patch(f"/api/v1/mentors/{mentor['id']}", headers=registry.admin, json={"capacity": 2})
    assert registry.post(f"/api/v1/mentors/{mentor['id']}/erase", headers=registry.admin,
                         json={"reason": "заявление субъекта"}).status_code == 200
    name = pseudonym(mentor["id"])

    def pseudonymised() -> bool:
        row = read(matching_app, read_model.MentorView, mentor["id"])
        return row is not None and row.full_name == name

    await eventually(pseudonymised, timeout_s=20)
    with UnitOfWork(engine_of(registry)) as uow:
        bodies = uow.session.execute(select(registry_outbox.table.c.body)).scalars().all()
    about = [json.loads(b) for b in bodies if json.loads(b)["subject"] == mentor["id"]]
    assert [e["type"].rsplit(".", 1)[1] for e in about] == ["registered", "updated", "erased"]
    assert {unseal(registry.settings, e["data"]["full_name_sealed"]) for e in about} == {name}


async def publish(settings: Settings, *events: Any) -> None:
    nc = await connect(settings, name="forger", reconnect_forever=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        for event in events:
            await js.publish(event.type, encode(event), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()


async def test_an_event_sealed_with_a_foreign_key_or_naming_in_clear_is_terminated_with_nothing_applied(pipeline):
    _, matching_app, runner = pipeline
    foreign = Settings(personal_data_keys=Fernet.generate_key().decode())
    forged = mentor_event("forged", "o1", "m1")
    forged.data["full_name_sealed"] = seal(foreign, "Подложный Пётр Петрович")
    in_clear = mentor_event("in-clear", "o1", "m1")
    in_clear.data["full_name_sealed"] = "Открытый Олег Олегович"
    school = org_event("o1", "m1")
    school.data["head_name_sealed"] = seal(foreign, "Подложный Директор")
    honest = mentor_event("honest", "o1", "m1")
    await publish(matching_app.settings, forged, in_clear, school, honest)
    await eventually(lambda: read(matching_app, read_model.MentorView, "honest") is not None, timeout_s=20)
    await eventually(lambda: runner.counts[Outcome.TERMINATED] == 3, timeout_s=10)
    assert read(matching_app, read_model.MentorView, "honest").full_name == "Наставник honest"
    assert read(matching_app, read_model.MentorView, "forged") is None
    assert read(matching_app, read_model.MentorView, "in-clear") is None
    assert read(matching_app, read_model.OrganizationView, "o1") is None
    with UnitOfWork(engine_of(matching_app)) as uow:
        recorded = set(uow.session.execute(select(read_model.inbox.c.event_id)).scalars())
    assert recorded == {honest.id}, "terminated events leave no inbox row: nothing of them was applied"
    info = await consumer_info(matching_app.settings)
    assert info.num_ack_pending == 0 and info.num_redelivered == 0, "terminated at once, not redelivered"


async def consumer_info(settings: Settings) -> Any:
    nc = await connect(settings, name="inspector", reconnect_forever=False)
    try:
        return await nc.jetstream().consumer_info(settings.stream_name, "matching-read-model")
    finally:
        await nc.close()
