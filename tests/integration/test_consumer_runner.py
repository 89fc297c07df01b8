"""The consumer runner applies every event exactly once against a real nats-server and database."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from shared.broker import connect, ensure_stream
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome, inbox_table
from shared.db import UnitOfWork, create_tables, make_engine
from shared.events import encode, new_event
from tests.integration.helpers import eventually

metadata = MetaData()
applied = Table("test_applied", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False))
inbox = inbox_table(metadata, "test")


def mentee_event(i: int):
    return new_event("mentoring.organization.upserted", "/test", f"org-{i}", {
        "organization_id": f"org-{i}", "version": i, "name": f"Школа {i}", "kind": "school",
        "municipality_id": "m1", "municipality_name": "Район", "region_id": "r1",
    })


class FlakyHandler:
    """Writes a row, then fails on about 10% of deliveries (the row rolls back with the failure)."""

    def __init__(self, failure_rate: float, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.failure_rate = failure_rate
        self.calls = 0
        self.failures = 0

    def __call__(self, uow: UnitOfWork, event) -> None:
        self.calls += 1
        uow.session.execute(applied.insert().values(event_id=event.id))
        if self.random.random() < self.failure_rate:
            self.failures += 1
            raise RuntimeError("transient failure")


def applied_counts(engine) -> tuple[int, int]:
    with UnitOfWork(engine) as uow:
        total = uow.session.scalar(select(func.count()).select_from(applied))
        distinct = uow.session.scalar(select(func.count(func.distinct(applied.c.event_id))))
        return int(total or 0), int(distinct or 0)


@pytest.fixture
def setup(database_url, nats_server, settings_factory):
    settings = settings_factory("reports", database_url, nats_server.url, consumer_max_deliver=50)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, metadata)
    yield settings, engine
    engine.dispose()


async def publish_all(settings, events, *, msg_id=None) -> None:
    nc = await connect(settings, name="publisher")
    js = nc.jetstream()
    await ensure_stream(js, settings)
    for event in events:
        await js.publish(event.type, encode(event), headers={"Nats-Msg-Id": msg_id or event.id})
    await nc.close()


async def test_a_consumer_failing_on_10_percent_of_deliveries_applies_every_event_exactly_once(setup):
    settings, engine = setup
    events = [mentee_event(i) for i in range(500)]
    await publish_all(settings, events)
    handler = FlakyHandler(0.10)
    runner = ConsumerRunner(engine, inbox, ConsumerSpec("test-flaky", ["mentoring.>"], handler), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await eventually(lambda: applied_counts(engine)[1] == 500, timeout_s=60)
    await asyncio.sleep(0.3)
    stop.set()
    await task
    assert applied_counts(engine) == (500, 500)
    assert handler.failures > 20
    assert runner.counts[Outcome.RETRY] == handler.failures
    assert runner.counts[Outcome.APPLIED] == 500


async def test_a_redelivered_event_is_recorded_once_and_garbage_is_terminated(setup):
    settings, engine = setup
    event = mentee_event(1)
    await publish_all(settings, [event])
    await publish_all(settings, [event], msg_id=str(uuid.uuid4()))
    nc = await connect(settings, name="garbage")
    await nc.jetstream().publish("mentoring.mentor.updated", b"not json", headers={"Nats-Msg-Id": "garbage-1"})
    await nc.close()
    handler = FlakyHandler(0.0)
    runner = ConsumerRunner(engine, inbox, ConsumerSpec("test-dup", ["mentoring.>"], handler), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await eventually(lambda: sum(runner.counts.values()) == 3)
    stop.set()
    await task
    assert applied_counts(engine) == (1, 1)
    assert runner.counts[Outcome.DUPLICATE] == 1
    assert runner.counts[Outcome.TERMINATED] == 1


async def test_a_restarted_consumer_resumes_where_it_stopped(setup):
    settings, engine = setup
    await publish_all(settings, [mentee_event(i) for i in range(50)])
    spec = ConsumerSpec("test-resume", ["mentoring.>"], FlakyHandler(0.0))
    for round_ in range(2):
        runner = ConsumerRunner(engine, inbox, spec, settings)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        target = 50 if round_ == 0 else 80
        if round_ == 1:
            await publish_all(settings, [mentee_event(i) for i in range(50, 80)])
        await eventually(lambda t=target: applied_counts(engine)[1] == t)
        stop.set()
        await task
        assert runner.counts[Outcome.APPLIED] == (50 if round_ == 0 else 30)
    assert applied_counts(engine) == (80, 80)
