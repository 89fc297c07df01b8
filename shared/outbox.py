"""The transactional outbox and its relay to JetStream.

A use case writes its rows and its outbox rows in one transaction. The relay publishes unsent rows
in commit order with `Nats-Msg-Id = event id` and marks them sent only after JetStream's ack, so a
crash between publish and mark re-publishes and the stream's duplicate window drops the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from shared.broker import connect_with_retry, ensure_stream
from shared.config import Settings
from shared.db import bulk_insert
from shared.events import CloudEvent, encode, utcnow

log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData, prefix: str) -> Table:
    """The outbox of one service, in that service's metadata."""
    name = f"{prefix}_outbox"
    return Table(
        name, metadata,
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Index(f"ix_{name}_unsent", "sent_at", "seq"),
    )


class Outbox:
    """Writes events as rows of the caller's transaction; never commits."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, session: Session, *events: CloudEvent) -> None:
        if not events:
            return
        now = utcnow()
        bulk_insert(session, self.table, [{"event_id": e.id, "subject": e.nats_subject, "body": encode(e),
                                           "created_at": now} for e in events])

    def add_encoded(self, session: Session, subject: str, encoded: Iterable[tuple[str, bytes]]) -> None:
        """Outbox rows for events already encoded by `shared.events.encode_many` (or, lazily, `encode_rows`)."""
        now = utcnow()
        bulk_insert(session, self.table, ((event_id, subject, body, now) for event_id, body in encoded),
                    columns=("event_id", "subject", "body", "created_at"))

    def pending_count(self, session: Session) -> int:
        return int(session.scalar(select(func.count()).where(self.table.c.sent_at.is_(None))) or 0)


class SingleRelayLock:
    """On SQLite `FOR UPDATE SKIP LOCKED` is ignored, so exactly one relay may run per database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RuntimeError(f"another relay already runs for this database ({self.path})") from None
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class OutboxRelay:
    """Publishes outbox rows to JetStream; backs off while the broker or the database is down."""

    def __init__(self, engine: Engine, outbox: Outbox, settings: Settings) -> None:
        self.engine = engine
        self.table = outbox.table
        self.settings = settings
        self.is_postgres = engine.dialect.name == "postgresql"
        self.published = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set."""
        lock = None if self.is_postgres else SingleRelayLock(Path(f"{self.engine.url.database}.relay.lock"))
        if lock:
            lock.acquire()
        nc = await connect_with_retry(self.settings, name=f"{self.settings.service}-relay", stop=stop)
        try:
            js = nc.jetstream(timeout=self.settings.relay_publish_timeout_s)
            await self._with_backoff(stop, lambda: ensure_stream(js, self.settings))
            backoff = 0.1
            while not stop.is_set():
                try:
                    sent = await self.relay_batch(js)
                    backoff = 0.1
                except Exception as exc:  # noqa: BLE001 - broker or database down: wait and resume
                    log.warning("relay batch failed, backing off", extra={"error": repr(exc), "delay_s": backoff})
                    await _sleep_or_stop(stop, backoff)
                    backoff = min(backoff * 2, self.settings.relay_max_backoff_s)
                    continue
                if sent < self.settings.relay_batch_size:
                    await _sleep_or_stop(stop, self.settings.relay_poll_interval_s)
        finally:
            await nc.close()
            if lock:
                lock.release()

    async def _with_backoff(self, stop: asyncio.Event, action: Any) -> None:
        delay = 0.2
        while not stop.is_set():
            try:
                await action()
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("stream setup failed, retrying", extra={"error": repr(exc)})
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, self.settings.relay_max_backoff_s)

    async def relay_batch(self, js: Any) -> int:
        """Publish one batch in commit order; return how many rows were marked sent.

        The batch goes out in order on one connection without waiting for each ack (`publish_async`), then the
        acks are awaited together: one round trip per batch instead of one per event. Only the rows up to the
        first refused one are marked sent; the rest are published again with the next batch (the stream's
        duplicate window drops the copies)."""
        with Session(self.engine) as session:
            rows = self._claim(session)
            if not rows:
                session.rollback()
                return 0
            if not self.is_postgres:
                session.rollback()  # SQLite: do not hold the write lock while talking to the broker
            published: list[int] = []
            try:
                acks = [await js.publish_async(row.subject, row.body, headers={"Nats-Msg-Id": row.event_id})
                        for row in rows]
                outcomes = await asyncio.gather(*(asyncio.wait_for(ack, self.settings.relay_publish_timeout_s)
                                                  for ack in acks), return_exceptions=True)
                for row, outcome in zip(rows, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        raise outcome
                    published.append(row.seq)
            finally:
                if published:
                    self._mark_sent(session, published)
                    self.published += len(published)
                elif self.is_postgres:
                    session.rollback()
            return len(published)

    def _claim(self, session: Session) -> Sequence[Any]:
        query = (select(self.table.c.seq, self.table.c.event_id, self.table.c.subject, self.table.c.body)
                 .where(self.table.c.sent_at.is_(None)).order_by(self.table.c.seq)
                 .limit(self.settings.relay_batch_size))
        if self.is_postgres:
            query = query.with_for_update(skip_locked=True)
        return session.execute(query).all()

    def _mark_sent(self, session: Session, seqs: list[int]) -> None:
        session.execute(update(self.table).where(self.table.c.seq.in_(seqs))
                        .values(sent_at=utcnow(), attempts=self.table.c.attempts + 1))
        session.commit()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
