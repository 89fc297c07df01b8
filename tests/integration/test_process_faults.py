"""Real processes killed with SIGKILL mid-work, the broker killed, the database cut: nothing lost, nothing doubled.

The processes are the real entry points (`python -m ops.cli relay|consume|worker`, what `mentoring …`
runs) on a real nats-server with its file store and a real database (SQLite, and PostgreSQL when
configured). Each test kills at a random moment of the work, restarts, and prints and asserts its figures:
events sent, delivered, duplicated, lost.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.js.api import ConsumerInfo
from nats.js.errors import NotFoundError
from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.engine import make_url

from services.matching.adapters import tables as matching_tables
from services.matching.adapters.tables import Pair, Run
from services.matching.use_cases.run_claim import RunTakenOver, claim
from services.matching.use_cases.run_execution import execute
from services.registry.adapters import tables as registry_tables
from services.reports.adapters import tables as reports_tables
from services.reports.adapters.tables import Freshness, MenteeRow, MentorRow, OrganizationRow
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome, RetryLater
from shared.db import UnitOfWork, create_tables, make_engine, read_session
from shared.events import CloudEvent, encode, new_event, utcnow
from shared.outbox import Outbox
from tests.bench.bench_worker import fill_read_model
from tests.bench.generate import generate
from tests.integration.helpers import REGION, eventually, mentee_event, mentor_event, org_event, stream_events
from tests.integration.test_consumer_runner import FlakyHandler, applied, applied_counts
from tests.integration.test_consumer_runner import inbox as flaky_inbox
from tests.integration.test_consumer_runner import metadata as flaky_metadata
from tests.integration.test_matching_service import region_of_two_municipalities
from tests.servers import CliProcess, ExternalNats, TcpProxy

RNG = random.Random()  # a different kill moment on every run; each test prints the moments it chose


@dataclass
class Figures:
    """What a fault test counts: events sent, delivered (distinct), duplicated and lost."""

    fault: str
    sent: int
    delivered: int
    duplicated: int
    lost: int
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, fault: str, sent: Sequence[str], delivered: Sequence[str], **notes: Any) -> Figures:
        """Compare the ids sent with the ids that arrived (in arrival order, repeats included)."""
        arrived = set(delivered)
        unknown = arrived - set(sent)
        assert not unknown, f"{len(unknown)} events arrived that nobody sent"
        return cls(fault, len(sent), len(arrived), len(delivered) - len(arrived), len(set(sent) - arrived), notes)

    def check(self, started: float) -> None:
        """Print the figures (pytest -s shows them) and assert nothing was lost or doubled."""
        extra = "".join(f"; {name.replace('_', ' ')} {value}" for name, value in self.notes.items())
        print(f"\n[{self.fault}] sent {self.sent}, delivered {self.delivered}, duplicated {self.duplicated}, "
              f"lost {self.lost}{extra}; {time.monotonic() - started:.1f} s")
        assert (self.delivered, self.duplicated, self.lost) == (self.sent, 0, 0)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., CliProcess]]:
    """Start `mentoring` commands as subprocesses; whatever is still running is killed at the end."""
    started: list[CliProcess] = []

    def start(*args: str, env: dict[str, str]) -> CliProcess:
        name = "-".join(args)
        proc = CliProcess(list(args), env, tmp_path / "logs" / f"{name}-{len(started)}.log").start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        print(f"--- the last lines of {' '.join(proc.args)} ---\n{proc.log()[-2000:]}")  # shown when a test fails


def cli_env(settings: Settings, **extra: object) -> dict[str, str]:
    """The environment of a subprocess sharing the test's database, broker and var dir."""
    values = {"database_url": settings.resolved_database_url(), "nats_url": settings.nats_url,
              "var_dir": settings.var_dir, "log_level": "INFO", "log_json": "true", **extra}
    return {name.upper(): str(value) for name, value in values.items()}


async def kill_when(proc: CliProcess, caught: Callable[[], Awaitable[bool]], attempts: int = 300) -> None:
    """SIGKILL the process at a moment `caught()` names: freeze it (SIGSTOP) at random moments until it holds."""
    for _ in range(attempts):
        proc.pause()
        await asyncio.sleep(0.02)  # what the frozen process already sent reaches the broker and the database
        if await caught():
            proc.kill()
            return
        proc.resume()
        await asyncio.sleep(RNG.uniform(0.0, 0.03))
    raise AssertionError(f"{proc.args}: the moment to kill never came")


class Broker:
    """The test's own connection: stream and consumer figures while the processes work."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> Broker:
        self.nc = await connect(self.settings, name="test-probe")
        self.js = self.nc.jetstream()
        await ensure_stream(self.js, self.settings)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.nc.close()

    async def messages(self) -> int:
        return (await self.js.stream_info(self.settings.stream_name)).state.messages

    async def holds(self, at_least: int) -> bool:
        return await self.messages() >= at_least

    async def consumer(self, durable: str) -> ConsumerInfo:
        return await self.js.consumer_info(self.settings.stream_name, durable)

    async def acked(self, durable: str) -> int:
        """The stream sequence up to which the durable consumer acknowledged everything (0 before it exists)."""
        try:
            return (await self.consumer(durable)).ack_floor.stream_seq
        except NotFoundError:
            return 0

    async def drained(self, durable: str) -> bool:
        """Every message of the stream delivered to the durable consumer and acknowledged."""
        info = await self.consumer(durable)
        return info.num_pending == 0 and info.num_ack_pending == 0

    async def publish(self, events: Sequence[CloudEvent]) -> None:
        """Publish with `Nats-Msg-Id`, many in flight at once; every one acknowledged by JetStream."""
        for start in range(0, len(events), 500):
            futures = [await self.js.publish_async(e.nats_subject, encode(e), headers={"Nats-Msg-Id": e.id})
                       for e in events[start:start + 500]]
            await asyncio.gather(*futures)


def count(engine: Engine, table: Table, *where: Any) -> int:
    """Rows of a table, read without taking SQLite's write lock from the processes under test."""
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def write_events(engine: Engine, outbox: Outbox, events: Sequence[CloudEvent], per_transaction: int) -> list[str]:
    """Commit the events' outbox rows, `per_transaction` to a transaction; returns their ids in commit order."""
    for start in range(0, len(events), per_transaction):
        with UnitOfWork(engine, outbox) as uow:
            uow.publish(*events[start:start + per_transaction])
            uow.commit()
    return [e.id for e in events]


def outbox_ids(engine: Engine, outbox: Outbox) -> list[str]:
    with read_session(engine) as session:
        return list(session.scalars(select(outbox.table.c.event_id).order_by(outbox.table.c.seq)))


def unsent(engine: Engine, outbox: Outbox) -> int:
    return count(engine, outbox.table, outbox.table.c.sent_at.is_(None))


def organizations(n: int, prefix: str = "org") -> list[CloudEvent]:
    return [org_event(f"{prefix}-{k}", f"m{k % 7}") for k in range(n)]


@pytest.fixture
def registry(database_url: str, nats_server, settings_factory) -> Iterator[tuple[Settings, Engine, Outbox]]:
    """The registry's own tables and outbox on the test database; its relay runs as a subprocess."""
    settings = settings_factory("registry", database_url, nats_server.url)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, registry_tables.metadata)
    yield settings, engine, registry_tables.outbox
    engine.dispose()


@pytest.fixture
def reports(database_url: str, nats_server, settings_factory) -> Iterator[tuple[Settings, Engine]]:
    """The reports tables on the test database; its projection consumer runs as a subprocess."""
    settings = settings_factory("reports", database_url, nats_server.url)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, reports_tables.metadata)
    yield settings, engine
    engine.dispose()


def events_applied(engine: Engine) -> int:
    """The projection's own count of applied events (moved in the handler's transaction)."""
    with read_session(engine) as session:
        mark = session.get(Freshness, 1)
        return mark.events_applied if mark else 0


def processed(engine: Engine) -> int:
    """How many events the reports projection recorded as processed (its inbox)."""
    return count(engine, reports_tables.inbox)


def inbox_ids(engine: Engine) -> list[str]:
    """Ids of the events the reports projection recorded as processed."""
    with read_session(engine) as session:
        return list(session.scalars(select(reports_tables.inbox.c.event_id)))


PROJECTION = "reports-projection"


@pytest.mark.timeout(90)
async def test_a_relay_killed_with_sigkill_right_after_publishing_loses_nothing_and_jetstream_drops_the_copies(
        registry, processes):
    started = time.monotonic()
    settings, engine, outbox = registry
    sent = write_events(engine, outbox, organizations(3000), per_transaction=100)
    env = cli_env(settings, relay_batch_size=100)
    relay = processes("relay", "registry", env=env)
    republished, kills = 0, []
    async with Broker(settings) as broker:

        async def published_not_marked() -> bool:
            return await broker.messages() > len(sent) - unsent(engine, outbox)

        for _ in range(2):
            target = await broker.messages() + RNG.randint(200, 700)
            await eventually(lambda t=target: broker.holds(t), timeout_s=30, every_s=0.01)
            await kill_when(relay, published_not_marked)
            in_stream, marked = await broker.messages(), len(sent) - unsent(engine, outbox)
            kills.append(f"{in_stream} in stream / {marked} marked")
            republished += in_stream - marked
            relay = processes("relay", "registry", env=env)
        await eventually(lambda: unsent(engine, outbox) == 0, timeout_s=40)
    relay.stop()
    delivered = [e["id"] for e in await stream_events(settings)]
    assert delivered == sent, "the stream holds every event once, in commit order"
    assert republished >= 2, "each kill fell between JetStream's ack and the relay marking the rows sent"
    Figures.of("relay SIGKILL after publish", sent, delivered, kills=kills,
               republished_and_dropped_by_msg_id=republished).check(started)


@pytest.mark.timeout(90)
async def test_a_consumer_killed_before_acking_applies_each_event_exactly_once_after_restart(reports, processes):
    started = time.monotonic()
    settings, engine = reports
    events = (organizations(200) + [mentor_event(f"t{k}", f"org-{k % 200}", f"m{k % 7}") for k in range(900)]
              + [mentee_event(f"s{k}", f"org-{k % 200}", f"m{k % 7}") for k in range(900)])
    env = cli_env(settings, consumer_ack_wait_s=2)
    applied_unacked = in_flight = 0
    async with Broker(settings) as broker:

        async def applied_and_acked() -> tuple[int, int]:
            info = await broker.consumer(PROJECTION)
            return processed(engine), info.delivered.stream_seq - info.num_ack_pending

        async def applied_not_acked() -> bool:
            applied_now, acked = await applied_and_acked()
            return applied_now > acked

        async def anywhere() -> bool:
            return True

        await broker.publish(events)
        consumer = processes("consume", "reports", "projection", env=env)
        for moment in (applied_not_acked, anywhere):
            target = processed(engine) + RNG.randint(100, 400)
            await eventually(lambda t=target: processed(engine) >= t, timeout_s=30, every_s=0.005)
            await kill_when(consumer, moment)
            applied_now, acked = await applied_and_acked()
            applied_unacked += applied_now - acked
            in_flight += (await broker.consumer(PROJECTION)).num_ack_pending - (applied_now - acked)
            consumer = processes("consume", "reports", "projection", env=env)
        await eventually(lambda: processed(engine) == len(events), timeout_s=40)
        await eventually(lambda: broker.drained(PROJECTION), timeout_s=20)
    consumer.stop()
    assert applied_unacked > 0, "a kill fell between a commit and its ack"
    delivered = inbox_ids(engine)
    assert events_applied(engine) == len(delivered)
    rows = [count(engine, model.__table__) for model in (OrganizationRow, MentorRow, MenteeRow)]
    assert rows == [200, 900, 900]
    Figures.of("consumer SIGKILL before ack", [e.id for e in events], delivered,
               applied_but_unacked_at_kill=applied_unacked, fetched_not_applied_at_kill=in_flight).check(started)


def _run_requested(run_id: str, scope: str) -> CloudEvent:
    return new_event("mentoring.run.requested", "/matching", run_id, {
        "run_id": run_id, "scope": scope, "dry_run": False, "options": {}, "requested_by": "test"})


@pytest.mark.timeout(120)
async def test_a_matching_worker_killed_mid_run_leaves_nothing_half_written_and_the_run_is_retried(
        database_url, nats_server, settings_factory, processes):
    started = time.monotonic()
    settings = settings_factory("matching", database_url, nats_server.url)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, matching_tables.metadata)
    outbox = matching_tables.outbox
    region = fill_read_model(engine, generate(20_000, seed=5))
    run_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(insert(Run.__table__).values(
            id=run_id, scope=f"region:{region}", scope_kind="region", scope_id=region, dry_run=False, options="{}",
            status="queued", progress=0.0, attempts=0, requested_by="test", requested_at=utcnow()))

    def run() -> Run:
        with read_session(engine) as session:
            return session.get(Run, run_id)

    def proposals() -> int:
        return count(engine, Pair.__table__, Pair.run_id == run_id)

    env = cli_env(settings, worker_ack_wait_s=4, run_registry_wait_s=0)  # no registry here to answer
    kills = []
    async with Broker(settings) as broker:
        await broker.publish([_run_requested(run_id, f"region:{region}")])
        worker = processes("worker", env=env)
        for attempt, moment in ((1, "claimed"), (2, "writing")):
            await eventually(lambda a=attempt: run().attempts == a and run().status == "running", timeout_s=40,
                             every_s=0.005)
            if moment == "writing":
                await eventually(lambda: run().phase == "writing", timeout_s=40, every_s=0.01)
                await eventually(lambda: a_write_is_open(engine), timeout_s=40, every_s=0.002)
            worker.kill()
            at_kill = run()
            kills.append(f"attempt {attempt} in {at_kill.phase}")
            assert (at_kill.status, proposals(), count(engine, outbox.table)) == ("running", 0, 0)
            worker = processes("worker", env=env)
        await eventually(lambda: run().status in ("succeeded", "failed"), timeout_s=60, every_s=0.1)
        await eventually(lambda: broker.drained("matching-worker"), timeout_s=10)
    worker.stop()
    final = run()
    with read_session(engine) as session:
        events = session.execute(select(outbox.table.c.subject, outbox.table.c.body)).all()
        pair_ids = list(session.scalars(select(Pair.id).where(Pair.run_id == run_id)))
    kinds = Counter(subject for subject, _ in events)
    proposed = [json.loads(body)["data"]["pair_id"] for subject, body in events if subject == "mentoring.pair.proposed"]
    engine.dispose()
    assert final.status == "succeeded", final.error
    matched = json.loads(final.result)["counts"]["matched"]
    kills.append(f"the third attempt wrote in {json.loads(final.result)['timings']['write_s']} s")
    assert final.attempts == 3
    assert len(pair_ids) == matched > 0
    assert kinds["mentoring.run.completed"] == 1 and kinds["mentoring.run.failed"] == 0
    Figures.of("matching worker SIGKILL after claim and mid-write", pair_ids, proposed, kills=kills,
               run=final.status, matched=matched).check(started)


def a_write_is_open(engine: Engine) -> bool:
    """Whether another connection holds a write transaction: the kill then lands inside the run's one write.

    Waiting a random time after the "writing" note instead once let a fast machine commit first.
    """
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = :pairs "
            "AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid())"),
            {"pairs": Pair.__table__.name}))


def test_a_run_taken_over_from_a_silent_worker_is_written_once_by_the_new_owner(matching):
    region_of_two_municipalities(matching, mentors=4, mentees=10, capacity=2)
    run_id = matching.post("/api/v1/runs", json={"scope": f"region:{REGION}"}, headers=matching.admin).json["id"]
    engine = matching.ctx.engine
    first = claim(engine, run_id)
    with pytest.raises(RetryLater):
        claim(engine, run_id)  # a redelivery while the owner's lease is young waits; it is not dropped
    second = claim(engine, run_id, stale_after=timedelta(0))  # the lease expired: the run is taken over
    with pytest.raises(RunTakenOver):
        execute(engine, matching.settings, first)
    assert count(engine, Pair.__table__, Pair.run_id == run_id) == 0
    result = execute(engine, matching.settings, second)
    with read_session(engine) as session:
        kinds = Counter(session.scalars(select(matching_tables.outbox.table.c.subject)))
        run = session.get(Run, run_id)
    assert (run.status, run.attempts, result["counts"]["matched"]) == ("succeeded", 2, 8)
    assert count(engine, Pair.__table__, Pair.run_id == run_id) == kinds["mentoring.pair.proposed"] == 8
    assert kinds["mentoring.run.completed"] == 1


@pytest.mark.timeout(120)
async def test_a_nats_server_killed_with_sigkill_keeps_the_stream_and_every_acked_message_and_publishers_resume(
        registry, database_url, nats_server, settings_factory, processes):
    if isinstance(nats_server, ExternalNats):
        pytest.skip("the external broker cannot be killed by a test")
    started = time.monotonic()
    settings, engine, outbox = registry
    reports_settings = settings_factory("reports", database_url, nats_server.url)
    reports_engine = make_engine(reports_settings.resolved_database_url())
    create_tables(reports_engine, reports_tables.metadata)
    relay = processes("relay", "registry", env=cli_env(settings, relay_batch_size=50, relay_max_backoff_s=1))
    consumer = processes("consume", "reports", "projection", env=cli_env(reports_settings, consumer_ack_wait_s=5))
    events, kill_at = organizations(1500), RNG.randint(300, 600)
    sent: list[str] = []
    stored_before_kill: list[str] = []
    killed_at = consumer_floor = waiting_at_restart = 0
    async with Broker(settings) as broker:
        while len(sent) < len(events) or nats_server.process.poll() is not None:
            sent += write_events(engine, outbox, events[len(sent):len(sent) + 25], per_transaction=5)
            if not killed_at and await broker.messages() >= kill_at and await broker.acked(PROJECTION) > 0:
                stored_before_kill = [e["id"] for e in await stream_events(settings)]
                consumer_floor = await broker.acked(PROJECTION)
                nats_server.kill()
                killed_at = time.monotonic()
            elif killed_at and nats_server.process.poll() is not None and time.monotonic() - killed_at > 1.0:
                waiting_at_restart = unsent(engine, outbox)
                nats_server.start()  # the same port and the same store directory
            await asyncio.sleep(0.05)
        await eventually(lambda: unsent(engine, outbox) == 0, timeout_s=40)
        await eventually(lambda: processed(reports_engine) == len(events), timeout_s=40)
        await eventually(lambda: broker.drained(PROJECTION), timeout_s=20)
        consumer_after = await broker.consumer(PROJECTION)
    relay.stop()
    consumer.stop()
    delivered = [e["id"] for e in await stream_events(settings)]
    applied = inbox_ids(reports_engine)
    assert events_applied(reports_engine) == len(applied)
    reports_engine.dispose()
    assert delivered == sent
    assert delivered[:len(stored_before_kill)] == stored_before_kill and len(stored_before_kill) >= kill_at
    assert consumer_after.ack_floor.stream_seq >= consumer_floor > 0, "the durable consumer kept its acks"
    assert waiting_at_restart > 0, "writes went on while the broker was down and waited in the outbox"
    Figures.of("nats-server SIGKILL (file store): stream", sent, delivered, stored_before_kill=len(
        stored_before_kill), waiting_at_restart=waiting_at_restart).check(started)
    Figures.of("nats-server SIGKILL (file store): consumer", sent, applied,
               consumer_ack_floor_before_kill=consumer_floor).check(started)


def _backoff_delays(log: str) -> list[float]:
    """The delays the relay logged (JSON lines) each time it backed off."""
    delays = []
    for line in log.splitlines():
        if line.startswith("{") and "relay batch failed" in line:
            delays.append(float(json.loads(line)["delay_s"]))
    return delays


LOCK_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


@pytest.mark.timeout(90)
async def test_a_database_gone_mid_relay_makes_the_relay_back_off_and_resume_without_loss_or_copies(
        registry, processes):
    started = time.monotonic()
    settings, engine, outbox = registry
    sent = write_events(engine, outbox, organizations(3000), per_transaction=100)
    outage_s = 4.0
    proxy = None
    if engine.dialect.name == "postgresql":
        url = make_url(settings.resolved_database_url())
        proxy = TcpProxy(url.port or 5432).start()
        relay_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = cli_env(settings.model_copy(update={"database_url": relay_url}), relay_batch_size=100,
                      relay_max_backoff_s=2)
        fault = "PostgreSQL connections cut (proxy closed) mid-relay"
    else:
        env = cli_env(settings, relay_batch_size=100, relay_max_backoff_s=2, sqlite_busy_timeout_ms=200)
        fault = "SQLite locked by another process mid-relay"
    relay = processes("relay", "registry", env=env)
    async with Broker(settings) as broker:
        target = RNG.randint(300, 1200)
        await eventually(lambda: broker.holds(target), timeout_s=30, every_s=0.01)
        if proxy is not None:
            proxy.cut()
        else:
            holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(make_url(
                settings.resolved_database_url()).database), str(outage_s)], stdout=subprocess.PIPE, text=True)
            assert holder.stdout.readline().strip() == "locked"
        await asyncio.sleep(1.0)  # the batch in flight when the database went away is published, not marked
        outage_start = await broker.messages()
        await asyncio.sleep(outage_s - 1.5)
        outage_end = await broker.messages()
        if proxy is not None:
            proxy.restore()
        else:
            holder.wait(10)
        await eventually(lambda: unsent(engine, outbox) == 0, timeout_s=40)
    relay.stop()
    if proxy is not None:
        proxy.close()
    delays = _backoff_delays(relay.log())
    delivered = [e["id"] for e in await stream_events(settings)]
    assert delivered == sent
    assert outage_start == outage_end < len(sent), "the relay made no progress while the database was away"
    assert len(delays) >= 3 and delays == sorted(delays) and delays[-1] > delays[0], delays
    assert relay.alive is False and "Traceback" not in relay.log()
    Figures.of(fault, sent, delivered, cut_after=target, in_stream_during_outage=outage_end,
               backoff_delays_s=delays).check(started)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: the 500-event test of the runner
async def test_a_handler_failing_on_10_percent_of_10000_events_applies_every_event_exactly_once(
        database_url, nats_server, settings_factory):
    started = time.monotonic()
    settings = settings_factory("reports", database_url, nats_server.url, consumer_max_deliver=50,
                                consumer_batch_size=200)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, flaky_metadata)
    events = [org_event(f"org-{k}", "m1") for k in range(10_000)]
    async with Broker(settings) as broker:
        await broker.publish(events)
    handler = FlakyHandler(0.10, seed=RNG.randint(0, 10_000))
    runner = ConsumerRunner(engine, flaky_inbox, ConsumerSpec("test-flaky-10k", ["mentoring.>"], handler), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await eventually(lambda: runner.counts[Outcome.APPLIED] == len(events), timeout_s=200, every_s=0.2)
    stop.set()
    await task
    assert applied_counts(engine) == (len(events), len(events))
    with read_session(engine) as session:
        delivered = list(session.scalars(select(applied.c.event_id)))
    engine.dispose()
    assert runner.counts[Outcome.RETRY] == handler.failures > 700
    assert runner.counts[Outcome.APPLIED] == len(events)
    Figures.of("handler fails on 10 % of deliveries", [e.id for e in events], delivered,
               failed_deliveries_redelivered=handler.failures).check(started)


HISTORY_SQL = {
    "sqlite": [
        "CREATE TABLE test_version_history (n INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT, version INTEGER)",
        "CREATE TRIGGER test_history_insert AFTER INSERT ON reports_organization BEGIN "
        "INSERT INTO test_version_history (entity, version) VALUES (NEW.id, NEW.version); END",
        "CREATE TRIGGER test_history_update AFTER UPDATE OF version ON reports_organization BEGIN "
        "INSERT INTO test_version_history (entity, version) VALUES (NEW.id, NEW.version); END",
    ],
    "postgresql": [
        "CREATE TABLE test_version_history (n BIGSERIAL PRIMARY KEY, entity TEXT, version INTEGER)",
        "CREATE FUNCTION test_record_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO test_version_history (entity, version) VALUES (NEW.id, NEW.version); RETURN NEW; END $$",
        "CREATE TRIGGER test_history AFTER INSERT OR UPDATE OF version ON reports_organization "
        "FOR EACH ROW EXECUTE FUNCTION test_record_version()",
    ],
}


def edition(org: str, version: int) -> CloudEvent:
    """One more update of an organization: its name carries the version, so the final row shows which won."""
    event = org_event(org, "m1", version=version)
    return new_event(event.type, event.source, org, {**event.data, "name": f"Школа {org}, правка {version}"})


def version_history(engine: Engine) -> dict[str, list[int]]:
    """Every version the projection wrote per organization, in the order the writes happened."""
    history: dict[str, list[int]] = {}
    with read_session(engine) as session:
        for entity, version in session.execute(text("SELECT entity, version FROM test_version_history ORDER BY n")):
            history.setdefault(entity, []).append(version)
    return history


@pytest.mark.timeout(120)
async def test_events_of_one_entity_are_applied_in_commit_order_through_relay_and_consumer_kills(
        registry, reports, processes):
    started = time.monotonic()
    settings, engine, outbox = registry
    reports_settings, reports_engine = reports
    with reports_engine.begin() as connection:
        for statement in HISTORY_SQL[reports_engine.dialect.name]:
            connection.execute(text(statement))
    entities, versions = [f"org-{k}" for k in range(5)], 120
    commit_order = [edition(org, v) for v in range(1, versions + 1) for org in RNG.sample(entities, len(entities))]
    sent = write_events(engine, outbox, commit_order, per_transaction=5)
    relay_env = cli_env(settings, relay_batch_size=40)
    consumer_env = cli_env(reports_settings, consumer_ack_wait_s=2, consumer_batch_size=50)
    relay = processes("relay", "registry", env=relay_env)
    consumer = processes("consume", "reports", "projection", env=consumer_env)
    async with Broker(settings) as broker:

        async def published_not_marked() -> bool:
            return await broker.messages() > len(sent) - unsent(engine, outbox)

        async def mid_batch() -> bool:
            return (await broker.consumer(PROJECTION)).num_ack_pending > 0

        target = RNG.randint(20, 200)
        await eventually(lambda: broker.holds(target), timeout_s=30, every_s=0.005)
        await kill_when(relay, published_not_marked)
        republished = await broker.messages() - (len(sent) - unsent(engine, outbox))
        relay = processes("relay", "registry", env=relay_env)
        target = RNG.randint(20, 200)
        await eventually(lambda: processed(reports_engine) >= target, timeout_s=30, every_s=0.005)
        await kill_when(consumer, mid_batch)
        redelivered = (await broker.consumer(PROJECTION)).num_ack_pending
        consumer = processes("consume", "reports", "projection", env=consumer_env)
        await eventually(lambda: unsent(engine, outbox) == 0, timeout_s=40)
        await eventually(lambda: processed(reports_engine) == len(sent), timeout_s=40)
        await eventually(lambda: broker.drained(PROJECTION), timeout_s=20)
    relay.stop()
    consumer.stop()
    stream = await stream_events(settings)
    assert [e["id"] for e in stream] == sent
    with read_session(reports_engine) as session:
        final = {row.id: (row.version, row.name) for row in session.scalars(select(OrganizationRow))}
    history = version_history(reports_engine)
    delivered = inbox_ids(reports_engine)
    reports_engine.dispose()
    assert final == {org: (versions, edition(org, versions).data["name"]) for org in entities}
    for org in entities:
        per_stream = [e["data"]["version"] for e in stream if e["subject"] == org]
        assert per_stream == list(range(1, versions + 1)), "the stream keeps each entity's commit order"
        assert history[org] == sorted(set(history[org])), "the projection never went back to an older version"
    written = sum(len(v) for v in history.values())
    assert republished > 0 and redelivered > 0, "the kills fell mid-batch"
    Figures.of("per-entity order with relay and consumer kills", sent, delivered, entities=len(entities),
               relay_copies_dropped=republished, redelivered_after_consumer_kill=redelivered,
               versions_written_in_order=written, older_redeliveries_recognised_and_skipped=len(sent) - written
               ).check(started)

