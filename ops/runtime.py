"""Long-running processes besides the HTTP servers: relays and consumers of each service."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal

from shared.config import ServiceName, Settings, load_settings
from shared.consumer import ConsumerRunner, ConsumerSpec
from shared.db import create_tables, engine_from_settings
from shared.logs import configure_logging
from shared.outbox import OutboxRelay

log = logging.getLogger(__name__)


def engine_for(settings: Settings):
    """The service's engine with its tables present."""
    tables = importlib.import_module(f"services.{settings.service}.adapters.tables")
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_from_settings(settings)
    create_tables(engine, tables.metadata)
    return engine


def consumer_specs(settings: Settings) -> dict[str, ConsumerSpec]:
    """The durable consumers a service runs, by name."""
    module = importlib.import_module(f"services.{settings.service}.consumer")
    return module.consumer_specs(settings)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def run_relay(service: ServiceName) -> None:
    """Relay the service's outbox to JetStream until SIGTERM."""
    settings = load_settings(service)
    configure_logging(settings.log_level, json_format=settings.log_json, service=f"{service}-relay")
    tables = importlib.import_module(f"services.{service}.adapters.tables")
    engine = engine_for(settings)

    async def main() -> None:
        await OutboxRelay(engine, tables.outbox, settings).run(_stop_event())

    asyncio.run(main())


def run_consumer(service: ServiceName, name: str) -> None:
    """Run one durable consumer of the service until SIGTERM."""
    settings = load_settings(service)
    configure_logging(settings.log_level, json_format=settings.log_json, service=f"{service}-{name}")
    tables = importlib.import_module(f"services.{service}.adapters.tables")
    engine = engine_for(settings)
    spec = consumer_specs(settings)[name]
    runner = ConsumerRunner(engine, tables.inbox, spec, settings, outbox=getattr(tables, "outbox", None))

    async def main() -> None:
        await runner.run(_stop_event())

    asyncio.run(main())


def run_worker() -> None:
    """Take bulk matching runs from JetStream until SIGTERM."""
    from services.matching.adapters import tables
    from services.matching.worker import RunWorker, worker_spec

    settings = load_settings("matching")
    configure_logging(settings.log_level, json_format=settings.log_json, service="matching-worker")
    engine = engine_for(settings)
    worker = RunWorker(engine, tables.inbox, worker_spec(), settings, outbox=tables.outbox)
    last_expiry = [0.0]

    def expire_when_idle() -> None:
        """Between runs, about once a minute: proposals nobody answered in time expire."""
        import time
        from datetime import date

        from services.matching.use_cases.pair_workflow import expire_stale
        from shared.db import UnitOfWork

        if time.monotonic() - last_expiry[0] < 60:
            return
        last_expiry[0] = time.monotonic()
        try:
            with UnitOfWork(engine, tables.outbox) as uow:
                expired = expire_stale(uow, date.today())
            if expired:
                log.info("proposals expired", extra={"count": expired})
        except Exception:
            log.exception("expiry failed")

    async def main() -> None:
        await worker.run(_stop_event(), idle_callback=expire_when_idle)

    asyncio.run(main())
