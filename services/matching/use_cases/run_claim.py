"""Who works on a run: claiming it (or taking it over from a dead worker), holding it, failing it.

A run is leased through its JetStream message (see `worker.py`): the message comes back only when the worker
holding it died or hung. The worker that gets it then takes the run over; the one that lost it can no longer
write its result, because every write first checks the claim is still its own.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from services.matching.adapters.pair_events import SOURCE
from services.matching.adapters.tables import Run, outbox
from services.matching.use_cases.run_parents import MULTI_REGION, record_child
from shared.consumer import RetryLater
from shared.db import UnitOfWork, make_engine
from shared.events import as_utc, new_event, utcnow

MAX_ATTEMPTS = 3
PHASE_WAIT_MS = 100  # how long a phase note waits for SQLite's write lock before it is skipped
_PHASE_ENGINES: dict[str, Engine] = {}
log = logging.getLogger(__name__)


class RunTakenOver(Exception):
    """Another worker took the run over (this one's lease had expired): this one's result is not written."""


def claim(engine: Engine, run_id: str, stale_after: timedelta = timedelta(minutes=10)) -> Run | None:
    """Mark the run running (taking over a run whose lease is older than `stale_after`); None when it is over.

    Raises `RetryLater` while another worker's claim is younger than `stale_after`: the message must stay
    in the stream, so that the run is taken over if that worker is dead, not dropped.
    """
    with UnitOfWork(engine, outbox) as uow:
        run = uow.session.get(Run, run_id)
        if run is None or run.status in ("succeeded", "failed"):
            return None
        if run.scope_kind in MULTI_REGION and run.phase == "regions":
            return None  # a parent whose regions' runs were created: they are the work now
        if run.status == "running" and run.started_at:
            left = as_utc(run.started_at) + stale_after - utcnow()
            if left > timedelta(0):
                raise RetryLater(f"run {run_id} is held by another worker", delay_s=left.total_seconds() + 1)
        if run.attempts >= MAX_ATTEMPTS:
            fail(uow, run, f"прервано {run.attempts} раза подряд; запустите подбор заново")
            uow.commit()
            return None
        run.status, run.attempts, run.started_at, run.phase, run.progress = "running", run.attempts + 1, utcnow(), \
            "loading", 0.05
        uow.commit()
        return run


def queue(uow: UnitOfWork, run: Run) -> None:
    """Hand the run to the workers: `mentoring.run.requested` in this transaction (a draft solved again too)."""
    uow.publish(new_event("mentoring.run.requested", SOURCE, run.id, {
        "run_id": run.id, "scope": run.scope, "dry_run": run.dry_run, "options": json.loads(run.options),
        "requested_by": run.requested_by, "parent_id": run.parent_id}))


def owned(session: Session, run: Run) -> Run:
    """The run's row, locked, if it is still this claim's; `RunTakenOver` when another worker took it over."""
    current = session.get(Run, run.id, with_for_update=True)
    if current is None or current.status != "running" or current.attempts != run.attempts:
        raise RunTakenOver(run.id)
    return current


def fail(uow: UnitOfWork, run: Run, message: str) -> None:
    """Mark the run failed with a message an operator reads, and say so in `mentoring.run.failed` (a region's
    run inside a run over several regions also tells its parent)."""
    run.status, run.error, run.finished_at, run.phase = "failed", message, utcnow(), None
    uow.publish(new_event("mentoring.run.failed", SOURCE, run.id,
                          {"run_id": run.id, "scope": run.scope, "error": message}))
    if run.parent_id is not None:
        record_child(uow, run, None)


def release_for_retry(engine: Engine, run: Run, message: str) -> bool:
    """Give a region's run that broke back to the queue (JetStream redelivers it), unless its attempts are used
    up: then it fails for good and tells its parent. True when it goes back."""
    with UnitOfWork(engine, outbox) as uow:
        try:
            current = owned(uow.session, run)
        except RunTakenOver:
            return False
        if current.attempts >= MAX_ATTEMPTS:
            fail(uow, current, message)
            uow.commit()
            return False
        current.status, current.phase, current.error = "queued", None, message
        uow.commit()
        return True


def fail_if_still_owned(engine: Engine, run: Run, message: str) -> None:
    """Fail the run unless another worker took it over meanwhile (then that worker decides)."""
    with UnitOfWork(engine, outbox) as uow:
        try:
            current = owned(uow.session, run)
        except RunTakenOver:
            return
        fail(uow, current, message)
        uow.commit()


def set_phase(engine: Engine, run_id: str, phase: str, progress: float) -> None:
    """Note how far a running run got (loading, solving, writing), for whoever watches it.

    Only a hint: on SQLite, while another worker holds the write lock (writing its proposals), the note is
    skipped after PHASE_WAIT_MS rather than holding this run up for seconds."""
    try:
        with _phase_engine(engine).begin() as connection:
            connection.execute(update(Run).where(Run.id == run_id, Run.status == "running")
                               .values(phase=phase, progress=progress))
    except OperationalError:
        log.info("run phase not noted: the database is busy", extra={"run_id": run_id, "phase": phase})


def _phase_engine(engine: Engine) -> Engine:
    """The engine phase notes are written with: on SQLite one whose writers give up after PHASE_WAIT_MS (made
    once per database file), elsewhere the engine itself (a row lock there is short)."""
    if engine.dialect.name != "sqlite":
        return engine
    url = engine.url.render_as_string(hide_password=False)
    if url not in _PHASE_ENGINES:
        _PHASE_ENGINES[url] = make_engine(url, busy_timeout_ms=PHASE_WAIT_MS)
    return _PHASE_ENGINES[url]
