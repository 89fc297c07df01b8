"""The consumer runner: a durable pull consumer whose handler writes and inbox row commit together.

Decisions live here and only here: ack after commit; `nak` with a delay on a transient failure (or the delay
the handler asked for with `RetryLater`); `term` on a message that can never be processed; the server stops
after `max_deliver` attempts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Column, DateTime, Engine, MetaData, PrimaryKeyConstraint, String, Table, select
from sqlalchemy.exc import IntegrityError

from shared.broker import connect_with_retry, ensure_stream
from shared.config import Settings
from shared.db import UnitOfWork
from shared.events import CloudEvent, EventDecodeError, decode, utcnow
from shared.outbox import Outbox

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], None]


class PermanentEventError(Exception):
    """The handler can never apply this event (e.g. it contradicts the catalog): terminate it."""


class RetryLater(Exception):
    """The event cannot be applied yet (e.g. another worker still holds its job): redeliver after `delay_s`."""

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    TERMINATED = "terminated"


def inbox_table(metadata: MetaData, prefix: str) -> Table:
    """Processed event ids per consumer, committed with the handler's writes."""
    name = f"{prefix}_inbox"
    return Table(
        name, metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name=f"pk_{name}"),
    )


@dataclass
class ConsumerSpec:
    durable: str
    filter_subjects: Sequence[str]
    handler: Handler


class ConsumerRunner:
    """Applies each event exactly once to the service's database, whatever the redeliveries."""

    def __init__(self, engine: Engine, inbox: Table, spec: ConsumerSpec, settings: Settings,
                 outbox: Outbox | None = None) -> None:
        self.engine = engine
        self.inbox = inbox
        self.spec = spec
        self.settings = settings
        self.outbox = outbox
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    @property
    def batch_size(self) -> int:
        return self.settings.consumer_batch_size

    def consumer_config(self) -> ConsumerConfig:
        subjects = list(self.spec.filter_subjects)
        return ConsumerConfig(
            durable_name=self.spec.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.settings.consumer_ack_wait_s,
            max_deliver=self.settings.consumer_max_deliver,
            filter_subjects=subjects,
            max_ack_pending=1000,
        )

    async def run(self, stop: asyncio.Event, *, idle_callback: Callable[[], Any] | None = None) -> None:
        """Fetch and process until `stop` is set; reconnects on its own."""
        nc = await connect_with_retry(self.settings, name=f"{self.settings.service}-{self.spec.durable}", stop=stop)
        try:
            js = nc.jetstream()
            await ensure_stream(js, self.settings)
            config = self.consumer_config()
            config.name = self.spec.durable
            await js.add_consumer(self.settings.stream_name, config=config)  # creates, or updates to this config
            sub = await js.pull_subscribe_bind(durable=self.spec.durable, stream=self.settings.stream_name)
            while not stop.is_set():
                try:
                    messages = await sub.fetch(self.batch_size, timeout=0.5)
                except (NatsTimeoutError, TimeoutError):
                    if idle_callback:
                        idle_callback()
                    continue
                except Exception as exc:  # noqa: BLE001 - broker restarting: wait and fetch again
                    log.warning("fetch failed", extra={"error": repr(exc)})
                    await asyncio.sleep(0.5)
                    continue
                for msg in messages:
                    await self.process(msg)
        finally:
            await nc.close()

    async def process(self, msg: Any) -> Outcome:
        """Apply one message and acknowledge it according to the outcome."""
        try:
            event = decode(msg.data)
        except EventDecodeError as exc:
            log.error("undecodable message terminated", extra={
                "error": str(exc), "subject": msg.subject, "event_id": (msg.headers or {}).get("Nats-Msg-Id"),
                "consumer": self.spec.durable})
            await msg.term()
            return self._count(Outcome.TERMINATED)
        try:
            outcome = await asyncio.to_thread(self.apply, event)
        except PermanentEventError as exc:
            log.error("event terminated", extra={"event_id": event.id, "type": event.type, "error": str(exc),
                                                 "consumer": self.spec.durable})
            await msg.term()
            return self._count(Outcome.TERMINATED)
        except RetryLater as exc:
            log.info("event postponed", extra={"event_id": event.id, "reason": str(exc), "delay_s": exc.delay_s})
            await msg.nak(delay=exc.delay_s)
            return self._count(Outcome.RETRY)
        except Exception as exc:  # noqa: BLE001 - transient: the server redelivers after the delay
            log.warning("handler failed, will retry", extra={"event_id": event.id, "error": repr(exc)})
            await msg.nak(delay=self.settings.consumer_nak_delay_s)
            return self._count(Outcome.RETRY)
        await msg.ack()
        return self._count(outcome)

    def apply(self, event: CloudEvent) -> Outcome:
        """Run the handler and record the event id in one transaction; skip ids already recorded."""
        with UnitOfWork(self.engine, self.outbox) as uow:
            seen = uow.session.execute(select(self.inbox.c.event_id).where(
                self.inbox.c.consumer == self.spec.durable, self.inbox.c.event_id == event.id)).first()
            if seen:
                return Outcome.DUPLICATE
            self.spec.handler(uow, event)
            try:
                uow.session.execute(self.inbox.insert().values(
                    consumer=self.spec.durable, event_id=event.id, event_type=event.type, processed_at=utcnow()))
                uow.commit()
            except IntegrityError:
                return Outcome.DUPLICATE
        return Outcome.APPLIED

    def _count(self, outcome: Outcome) -> Outcome:
        self.counts[outcome] += 1
        return outcome


def dispatch(handlers: dict[str, Callable[[UnitOfWork, Any], None]]) -> Handler:
    """One handler that routes by event type and hands the payload over validated: `handler(uow, payload)` with
    the catalog's model of that type. Types a service does not project are recorded and skipped; a payload the
    catalog refuses can never be applied (`PermanentEventError`)."""
    from pydantic import ValidationError

    from shared.event_catalog import CATALOG

    def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        handler = handlers.get(event.type)
        if handler is None:
            return
        try:
            payload = CATALOG[event.type].model_validate(event.data)
        except ValidationError as exc:
            raise PermanentEventError(f"{event.type} does not match the event catalog: {exc}") from exc
        handler(uow, payload)

    return handle
