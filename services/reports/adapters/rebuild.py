"""Rebuild the projection from the stream: clear it, then replay every event from the first one.

The live consumer may keep running: both record event ids in the same inbox (under the durable's name),
and upserts are version-aware, so an event applied by one is skipped by the other.
"""

from __future__ import annotations

import asyncio

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Engine, delete

from services.reports.adapters.projection import projection_spec
from services.reports.adapters.tables import PROJECTION_TABLES, inbox
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.consumer import ConsumerRunner, Outcome
from shared.db import UnitOfWork


def clear_projection(engine: Engine, durable: str) -> None:
    """Empty the projection tables and forget which events the durable `durable` has applied."""
    with UnitOfWork(engine) as uow:
        for model in PROJECTION_TABLES:
            uow.session.execute(delete(model))
        uow.session.execute(delete(inbox).where(inbox.c.consumer == durable))
        uow.commit()


async def rebuild(engine: Engine, settings: Settings) -> dict[Outcome, int]:
    """Replay the whole stream (at `settings.nats_url`) into an emptied projection; returns the outcome counts."""
    spec = projection_spec()
    clear_projection(engine, spec.durable)
    runner = ConsumerRunner(engine, inbox, spec, settings)
    nc = await connect(settings, name="reports-rebuild", reconnect_forever=False)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        sub = await js.pull_subscribe("", stream=settings.stream_name, config=ConsumerConfig(
            filter_subjects=list(spec.filter_subjects), deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT, inactive_threshold=60))
        while True:
            try:
                messages = await sub.fetch(500, timeout=1)
            except (NatsTimeoutError, TimeoutError):
                if (await sub.consumer_info()).num_pending == 0:
                    break
                continue
            for msg in messages:
                await runner.process(msg)
        await sub.unsubscribe()
    finally:
        await nc.close()
    return runner.counts


def run_rebuild(engine: Engine, settings: Settings) -> dict[Outcome, int]:
    """`rebuild` for a caller without an event loop (the CLI, which builds the engine)."""
    return asyncio.run(rebuild(engine, settings))
