"""The matching worker: takes runs from JetStream, solves them, and writes proposals in one transaction.

A run is leased through its JetStream message: while a worker runs it, it tells JetStream the message is in
progress, so the message comes back (after `ack_wait`) only when that worker died or hung. The worker that
gets it then takes the run over; the one that lost it can no longer write its result.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from services.matching import domain, solver
from services.matching.adapters.tables import OPEN_STATES, Pair, Run, outbox
from services.matching.pair_events import SOURCE
from services.matching.problem import Coded, LoadedProblem, Scope, load_problem, open_load
from services.matching.read_model import bump_pair_seq
from services.matching.runs import weights_from_options
from shared.config import Settings
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome, RetryLater
from shared.db import UnitOfWork, bulk_insert, read_session
from shared.events import CloudEvent, as_utc, encode_rows, fast_ids, new_event, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def lock_capacity(session: Session, region_id: str) -> None:
    """Serialise every writer that fills mentors' slots in a region (SQLite's write lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"capacity:{region_id}"})


def _set_phase(engine: Engine, run_id: str, phase: str, progress: float) -> None:
    with UnitOfWork(engine) as uow:
        run = uow.session.get(Run, run_id)
        run.phase, run.progress = phase, progress
        uow.commit()


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


def owned(session: Session, run: Run) -> Run:
    """The run's row, locked, if it is still this claim's; `RunTakenOver` when another worker took it over."""
    current = session.get(Run, run.id, with_for_update=True)
    if current is None or current.status != "running" or current.attempts != run.attempts:
        raise RunTakenOver(run.id)
    return current


def fail(uow: UnitOfWork, run: Run, message: str) -> None:
    run.status, run.error, run.finished_at, run.phase = "failed", message, utcnow(), None
    uow.publish(new_event("mentoring.run.failed", "/matching", run.id,
                          {"run_id": run.id, "scope": run.scope, "error": message}))


def _labels() -> dict[str, str]:
    from shared.dictionary_data import DICTIONARIES

    out = {}
    for name in ("subjects", "stages", "directions"):
        out.update({entry[0]: entry[1] for entry in DICTIONARIES[name]})
    return out


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a run (reference counting still frees everything).

    Loading and writing a million rows makes millions of short-lived tuples; each chunk of them survives
    long enough to trigger full collections that rescan every object alive, seconds per million rows.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def execute(engine: Engine, settings: Settings, run: Run) -> dict[str, Any]:
    """Load, solve and write one run; returns its result document (also stored on the run)."""
    with collector_paused():
        return _execute(engine, settings, run)


def _execute(engine: Engine, settings: Settings, run: Run) -> dict[str, Any]:
    started = time.perf_counter()
    weights = weights_from_options(json.loads(run.options))
    with read_session(engine) as session:
        loaded = load_problem(session, Scope(run.scope_kind, run.scope_id))
    load_s = time.perf_counter() - started
    _set_phase(engine, run.id, "solving", 0.3)
    solution = solver.solve(loaded.problem, weights)
    write_started = time.perf_counter()
    _set_phase(engine, run.id, "writing", 0.8)
    is_unmatched = np.ones(loaded.problem.n_mentees, dtype=bool)
    is_unmatched[solution.mentee_index] = False
    unmatched_idx = np.flatnonzero(is_unmatched)
    reasons = domain.unmatched_reasons(loaded.problem, unmatched_idx, weights, _labels()) if len(unmatched_idx) else []
    ids, names = loaded.mentees.ids, loaded.mentees.columns["full_name"]
    unmatched = [{"mentee_id": ids[i], "full_name": names[i], "reason": r}
                 for i, r in zip(unmatched_idx.tolist(), reasons, strict=True)]
    unmatched += [{"mentee_id": mentee_id, "full_name": name,
                   "reason": "не указан уровень образования: уточните карточку наставляемого"}
                  for mentee_id, name in loaded.without_stage]
    reasons_s = time.perf_counter() - write_started
    with bulk_connection(engine, len(solution.mentee_index)) as connection, UnitOfWork(connection, outbox) as uow:
        db_run = owned(uow.session, run)  # the run row locked first: a worker that lost its lease writes nothing
        rejected = [] if run.dry_run else write_proposals(uow, run, loaded, solution, settings)
        for i in rejected:
            unmatched.append({"mentee_id": ids[i], "full_name": names[i], "reason":
                              "наставник занят параллельным подбором: повторите подбор"})
        matched = len(solution.mentee_index) - len(rejected)
        total = time.perf_counter() - started
        result = {
            "counts": {"mentees_in_scope": loaded.problem.n_mentees + len(loaded.without_stage),
                       "mentors_available": int((loaded.problem.mentor_free > 0).sum()), "matched": matched,
                       "unmatched": len(unmatched), "pairs_per_form": {"traditional": matched},
                       "young_specialists_matched": int(solution.young_matched)},
            "total_cost": int(solution.cost.sum()), "weights": weights.as_dict(),
            "graph": {"nodes": solution.nodes, "arcs": solution.arcs, "method": solution.method},
            "timings": {"load_s": round(load_s, 3), "build_s": round(solution.build_seconds, 3),
                        "solve_s": round(solution.solve_seconds, 3),
                        "reasons_s": round(reasons_s, 3),
                        "write_s": round(time.perf_counter() - write_started - reasons_s, 3),
                        "total_s": round(total, 3)},
            "unmatched": unmatched,
        }
        db_run.status, db_run.phase, db_run.progress, db_run.finished_at = "succeeded", None, 1.0, utcnow()
        db_run.result = json.dumps(result, ensure_ascii=False)
        uow.publish(new_event("mentoring.run.completed", "/matching", run.id, {
            "run_id": run.id, "scope": run.scope, "dry_run": run.dry_run, "mentees_in_scope":
            result["counts"]["mentees_in_scope"], "matched": matched, "unmatched": len(unmatched),
            "total_cost": result["total_cost"]}))
        uow.commit()
    return result


PAIR_COLUMNS = ("id", "version", "state", "mentor_id", "mentee_id", "run_id", "form", "role_model", "cost", "region_id",
                "municipality_id", "organization_id", "mentor_organization_id", "mentee_category", "mentee_subject",
                "mentee_stage", "mentee_is_student", "proposed_at", "expires_at", "updated_at", "updated_by")
EVENT_FIELDS = ("pair_id", "version", "state", "mentor_id", "mentee_id", "organization_id", "municipality_id",
                "region_id", "mentor_organization_id", "mentee_category", "mentee_subject", "mentee_stage",
                "mentee_is_student", "form", "role_model", "run_id", "occurred_at", "proposed_at", "actor")


def _take(column: Any, index: np.ndarray) -> list[Any]:
    """Values of a loaded column (a list, an array or a coded column) at these indices, as a list."""
    if isinstance(column, Coded):
        return column.take(index)
    array = column if isinstance(column, np.ndarray) else np.asarray(column, dtype=object)
    return array[index].tolist()


def accept(solution: solver.Solution, mentee_ids: Any, mentor_ids: Any, capacity: np.ndarray,
           current: dict[str, int], busy: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Proposals still possible now, in cost order: (their positions in the solution, rejected mentees).

    The cheapest proposals win: a mentee paired meanwhile by someone else is dropped, and each mentor
    keeps the first `capacity - current load` of the rest. Vectorised form of a loop in cost order.
    """
    order = np.argsort(solution.cost, kind="stable")
    mentee_at = solution.mentee_index[order]
    mentor_at = solution.mentor_index[order].astype(np.int64)
    ok = np.ones(len(order), dtype=bool)
    if busy:
        ok = ~np.fromiter((m in busy for m in _take(mentee_ids, mentee_at)), dtype=bool, count=len(order))
    if current:
        load = np.fromiter((current.get(m, 0) for m in (mentor_ids.tolist() if isinstance(mentor_ids, np.ndarray)
                                                        else mentor_ids)), dtype=np.int64, count=len(capacity))
    else:
        load = np.zeros(len(capacity), dtype=np.int64)
    candidates = np.flatnonzero(ok)
    mentors = mentor_at[candidates]
    by_mentor = np.argsort(mentors, kind="stable")  # grouped by mentor, cost order inside a group
    grouped = mentors[by_mentor]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) else grouped
    sizes = np.diff(np.r_[starts, len(grouped)])
    rank = np.empty(len(grouped), dtype=np.int64)
    rank[by_mentor] = np.arange(len(grouped)) - np.repeat(starts, sizes)
    ok[candidates] = rank < (np.asarray(capacity, dtype=np.int64) - load)[mentors]
    return order[ok], mentee_at[~ok]


PAGE_CACHE_BYTES_PER_PROPOSAL = 256  # entries of the three random-key pair indexes (mentee, mentor, scope), with slack
PAGE_CACHE_MAX_KIB = 1 << 20


@contextlib.contextmanager
def bulk_connection(engine: Engine, proposals: int) -> Iterator[Any]:
    """A connection for one large write; on SQLite its page cache grows for the transaction, then shrinks back.

    Inserting a million proposals touches random pages of three pair indexes (mentee, mentor, scope);
    once those no longer fit the cache, inserts spill and reread pages. Pages appended at the end of the
    table and of the other indexes are used once and leave the cache first, so it is sized for those three
    indexes only (about 240 MiB for a million). The setting is per connection, so it is restored before the
    connection goes back to the pool.
    """
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
        kib = min(PAGE_CACHE_MAX_KIB, PAGE_CACHE_BYTES_PER_PROPOSAL * proposals // 1024)
        previous = raw.execute("PRAGMA cache_size").fetchone()[0] if raw is not None else None
        if raw is not None and (previous >= 0 or kib > -previous):
            raw.execute(f"PRAGMA cache_size=-{kib}")
        try:
            yield connection
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA cache_size={previous}")


def write_proposals(uow: UnitOfWork, run: Run, loaded: LoadedProblem, solution: solver.Solution,
                    settings: Settings) -> list[int]:
    """Insert the proposals and their events; drop (and return) any that a concurrent writer made impossible."""
    session = uow.session
    mentees, mentors = loaded.mentees.columns, loaded.mentors.columns
    for region_id in sorted(set(_take(mentees["region_id"], np.unique(
            np.asarray(loaded.problem.mentee_region), return_index=True)[1]))):
        lock_capacity(session, region_id)
    chosen, rejected = accept(solution, mentees["id"], mentors["id"], np.asarray(mentors["capacity"]),
                              open_load(session), _busy_mentees(session))
    if not len(chosen):
        return rejected.tolist()
    # in cost order: the (run, cost, id) index then grows at its end, like those of the ids
    i, j = solution.mentee_index[chosen], solution.mentor_index[chosen]
    now, expires = utcnow(), utcnow() + timedelta(days=settings.proposal_ttl_days)
    stamp, actor = now.isoformat().replace("+00:00", "Z"), f"run:{run.id}"
    n = len(chosen)
    pair_ids = fast_ids(n)
    mentor_id, mentee_id = _take(mentors["id"], j), _take(mentees["id"], i)
    region, municipality = _take(mentees["region_id"], i), _take(mentees["municipality_id"], i)
    organization, mentor_organization = _take(mentees["organization_id"], i), _take(mentors["organization_id"], j)
    category, subject, stage = _take(mentees["category"], i), _take(mentees["subject"], i), _take(mentees["stage"], i)
    student = np.asarray(mentees["is_student"], dtype=bool)[i].tolist()
    cost = solution.cost[chosen].tolist()
    rep = itertools.repeat
    rows = zip(pair_ids, rep(1), rep("proposed"), mentor_id, mentee_id, rep(run.id), rep("traditional"),
               rep("teacher_teacher"), cost, region, municipality, organization, mentor_organization, category,
               subject, stage, student, rep(now), rep(expires), rep(now), rep(actor), strict=False)
    bulk_insert(session, Pair.__table__, rows, columns=PAIR_COLUMNS)
    bump_pair_seq(session)
    kind = "mentoring.pair.proposed"  # the catalog's PairChanged; always-null fields and a null subject left out
    constant = {"version": 1, "state": "proposed", "form": "traditional", "role_model": "teacher_teacher",
                "run_id": run.id, "occurred_at": stamp, "proposed_at": stamp, "actor": run.requested_by}
    events = encode_rows(kind, SOURCE, EVENT_FIELDS, constant, zip(
        pair_ids, mentor_id, mentee_id, organization, municipality, region, mentor_organization, category, subject,
        stage, student, strict=True), n, omit_none="mentee_subject")
    uow.outbox.add_encoded(session, kind, events)
    return rejected.tolist()


def _busy_mentees(session: Session) -> set[str]:
    return set(session.exec(select(Pair.mentee_id).where(Pair.state.in_(OPEN_STATES))).all())


class RunWorker(ConsumerRunner):
    """A work-queue consumer of `mentoring.run.requested`: each run is taken by one worker."""

    batch_size = 1  # one run at a time, so a busy worker never holds runs an idle one could take

    def consumer_config(self) -> Any:
        config = super().consumer_config()
        config.ack_wait = self.settings.worker_ack_wait_s
        config.max_deliver = 3 * (MAX_ATTEMPTS + 1)  # deliveries postponed by claim() count too
        config.max_ack_pending = 100
        return config

    async def process(self, msg: Any) -> Outcome:
        """Process one run while renewing its lease: JetStream redelivers it only if this worker dies or hangs."""
        lease = asyncio.create_task(_renew_lease(msg, self.settings.worker_ack_wait_s / 3))
        try:
            return await super().process(msg)
        finally:
            lease.cancel()

    def apply(self, event: CloudEvent) -> Outcome:
        run_id = event.data["run_id"]
        run = claim(self.engine, run_id, timedelta(seconds=self.settings.worker_ack_wait_s))
        if run is None:
            return Outcome.DUPLICATE
        try:
            execute(self.engine, self.settings, run)
        except RunTakenOver:
            log.warning("run taken over by another worker; result dropped", extra={"run_id": run_id})
        except Exception as exc:
            log.exception("run failed", extra={"run_id": run_id})
            with UnitOfWork(self.engine, outbox) as uow, contextlib.suppress(RunTakenOver):
                fail(uow, owned(uow.session, run), f"ошибка при подборе: {exc}")
                uow.commit()
        return Outcome.APPLIED


async def _renew_lease(msg: Any, every_s: float) -> None:
    """Tell JetStream the run is still being worked on (`+WPI`), every `every_s` seconds."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await msg.in_progress()
        except Exception as exc:  # noqa: BLE001 - the broker is restarting: the next renewal tries again
            log.warning("run lease renewal failed", extra={"error": repr(exc)})


def worker_spec() -> ConsumerSpec:
    return ConsumerSpec(durable="matching-worker", filter_subjects=["mentoring.run.requested"],
                        handler=lambda uow, event: None)
