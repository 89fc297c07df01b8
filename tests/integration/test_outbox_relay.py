"""The transactional outbox against a real nats-server and a real database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from shared.broker import connect
from shared.db import UnitOfWork, create_tables, make_engine
from shared.events import new_event
from shared.outbox import Outbox, OutboxRelay, outbox_table
from tests.integration.helpers import eventually, stream_events

metadata = MetaData()
notes = Table("test_note", metadata, Column("id", Integer, primary_key=True), Column("text", String(50)))
outbox = Outbox(outbox_table(metadata, "test"))


def organization_event(i: int):
    return new_event("mentoring.organization.upserted", "/test", f"org-{i}", {
        "organization_id": f"org-{i}", "version": 1, "name": f"Школа {i}", "kind": "school",
        "municipality_id": "m1", "municipality_name": "Район", "region_id": "r1",
    })


def write(engine, count: int, *, commit: bool = True, start: int = 0) -> list[str]:
    """One transaction: domain rows plus their events."""
    events = [organization_event(start + i) for i in range(count)]
    with UnitOfWork(engine, outbox) as uow:
        uow.session.execute(notes.insert(), [{"text": f"note {start + i}"} for i in range(count)])
        uow.publish(*events)
        if commit:
            uow.commit()
    return [e.id for e in events]


def unsent(engine) -> int:
    with UnitOfWork(engine) as uow:
        return outbox.pending_count(uow.session)


@pytest.fixture
def setup(database_url, nats_server, settings_factory):
    settings = settings_factory("registry", database_url, nats_server.url)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, metadata)
    yield settings, engine
    engine.dispose()


async def run_relay(engine, settings):
    stop = asyncio.Event()
    relay = OutboxRelay(engine, outbox, settings)
    task = asyncio.create_task(relay.run(stop))
    return relay, stop, task


async def test_a_rolled_back_transaction_publishes_nothing(setup):
    settings, engine = setup
    write(engine, 5, commit=False)
    committed = write(engine, 2)
    relay, stop, task = await run_relay(engine, settings)
    await eventually(lambda: unsent(engine) == 0)
    await asyncio.sleep(0.3)
    stop.set()
    await task
    ids = [e["id"] for e in await stream_events(settings)]
    assert ids == committed
    with UnitOfWork(engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(notes)) == 2


async def test_events_written_while_nats_is_down_are_delivered_once_when_it_returns(setup, nats_server):
    settings, engine = setup
    relay, stop, task = await run_relay(engine, settings)
    first = write(engine, 10)
    await eventually(lambda: unsent(engine) == 0)
    nats_server.stop()
    during = write(engine, 30, start=100)
    await asyncio.sleep(1.0)
    assert unsent(engine) == 30
    nats_server.start()
    await eventually(lambda: unsent(engine) == 0, timeout_s=30)
    stop.set()
    await task
    ids = [e["id"] for e in await stream_events(settings)]
    assert ids == first + during


class CrashAfterPublish(OutboxRelay):
    """A relay that dies after JetStream acked the batch but before it marked the rows sent."""

    def _mark_sent(self, session, seqs):
        raise SystemExit("killed between publish and mark")


async def test_a_relay_killed_between_publish_and_mark_republishes_and_jetstream_drops_the_copy(setup):
    settings, engine = setup
    ids = write(engine, 20)
    nc = await connect(settings, name="t")
    js = nc.jetstream()
    crashing = CrashAfterPublish(engine, outbox, settings)
    from shared.broker import ensure_stream

    await ensure_stream(js, settings)
    with pytest.raises(SystemExit):
        await crashing.relay_batch(js)
    await nc.close()
    assert unsent(engine) == 20
    assert [e["id"] for e in await stream_events(settings)] == ids
    relay, stop, task = await run_relay(engine, settings)
    await eventually(lambda: unsent(engine) == 0)
    stop.set()
    await task
    assert relay.published == 20
    assert [e["id"] for e in await stream_events(settings)] == ids


async def test_the_relay_keeps_commit_order(setup):
    settings, engine = setup
    ids = []
    for batch in range(5):
        ids += write(engine, 7, start=batch * 10)
    relay, stop, task = await run_relay(engine, settings)
    await eventually(lambda: unsent(engine) == 0)
    stop.set()
    await task
    assert [e["id"] for e in await stream_events(settings)] == ids


async def test_two_relays_on_postgresql_claim_disjoint_rows(setup):
    settings, engine = setup
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs exactly one relay per database (a file lock enforces it)")
    settings = settings.model_copy(update={"relay_batch_size": 25})
    ids = write(engine, 400)
    relays = [OutboxRelay(engine, outbox, settings) for _ in range(2)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)) for relay in relays]
    await eventually(lambda: unsent(engine) == 0, timeout_s=30)
    stop.set()
    await asyncio.gather(*tasks)
    assert sum(relay.published for relay in relays) == 400
    assert all(relay.published > 0 for relay in relays)
    assert sorted(e["id"] for e in await stream_events(settings)) == sorted(ids)


async def test_a_second_relay_on_the_same_sqlite_file_refuses_to_start(setup):
    settings, engine = setup
    if engine.dialect.name != "sqlite":
        pytest.skip("the file lock is the SQLite rule")
    relay, stop, task = await run_relay(engine, settings)
    await asyncio.sleep(0.3)
    with pytest.raises(RuntimeError, match="another relay"):
        await OutboxRelay(engine, outbox, settings).run(asyncio.Event())
    stop.set()
    await task


async def test_a_refused_publish_marks_only_the_rows_before_it_and_the_rest_wait_in_order(setup):
    """A batch goes out without waiting for each ack; a row JetStream refuses (here: a subject outside the stream)
    stops the marking there, so nothing after it is marked sent out of order."""
    from shared.broker import ensure_stream

    settings, engine = setup
    first = write(engine, 3)
    with UnitOfWork(engine, outbox) as uow:  # a row whose subject no stream takes
        uow.session.execute(outbox.table.insert().values(event_id="refused-1", subject="elsewhere.test",
                                                         body=b"{}", created_at=func.now()))
        uow.commit()
    write(engine, 2, start=10)
    nc = await connect(settings, name="t")
    js = nc.jetstream()
    await ensure_stream(js, settings)
    relay = OutboxRelay(engine, outbox, settings.model_copy(update={"relay_publish_timeout_s": 1.0}))
    with pytest.raises(Exception):  # noqa: B017 - whichever error the client raises for "no stream"
        await relay.relay_batch(js)
    await nc.close()
    assert unsent(engine) == 3 and relay.published == 3
    assert [e["id"] for e in await stream_events(settings)][:3] == first
