"""The matching worker: takes runs from JetStream, solves them, and writes proposals in one transaction."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, text
from sqlmodel import Session, select

from services.matching import domain, solver
from services.matching.pair_events import pair_event
from services.matching.problem import LoadedProblem, Scope, load_problem, open_load
from services.matching.read_model import bump_pair_seq
from services.matching.runs import weights_from_options
from services.matching.tables import OPEN_STATES, Pair, Run, new_id, outbox
from shared.config import Settings
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome
from shared.db import UnitOfWork, read_session
from shared.events import CloudEvent, new_event, utcnow

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


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim(engine: Engine, run_id: str, stale_after: timedelta = timedelta(minutes=10)) -> Run | None:
    """Mark the run running; None when it is finished already or has failed too often."""
    with UnitOfWork(engine, outbox) as uow:
        run = uow.session.get(Run, run_id)
        if run is None or run.status in ("succeeded", "failed"):
            return None
        if run.status == "running" and run.started_at and _aware(run.started_at) > utcnow() - stale_after:
            return None  # another worker is on it (a redelivery while it still runs)
        if run.attempts >= MAX_ATTEMPTS:
            fail(uow, run, f"прервано {run.attempts} раза подряд; запустите подбор заново")
            uow.commit()
            return None
        run.status, run.attempts, run.started_at, run.phase, run.progress = "running", run.attempts + 1, utcnow(), \
            "loading", 0.05
        uow.commit()
        return run


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


def execute(engine: Engine, settings: Settings, run: Run) -> dict[str, Any]:
    """Load, solve and write one run; returns its result document (also stored on the run)."""
    started = time.perf_counter()
    weights = weights_from_options(json.loads(run.options))
    with read_session(engine) as session:
        loaded = load_problem(session, Scope(run.scope_kind, run.scope_id))
    load_s = time.perf_counter() - started
    _set_phase(engine, run.id, "solving", 0.3)
    solution = solver.solve(loaded.problem, weights)
    _set_phase(engine, run.id, "writing", 0.8)
    write_started = time.perf_counter()
    is_unmatched = np.ones(loaded.problem.n_mentees, dtype=bool)
    is_unmatched[solution.mentee_index] = False
    unmatched_idx = np.flatnonzero(is_unmatched)
    reasons = domain.unmatched_reasons(loaded.problem, unmatched_idx, weights, _labels()) if len(unmatched_idx) else []
    unmatched = [{"mentee_id": loaded.mentees[i].id, "full_name": loaded.mentees[i].full_name, "reason": r}
                 for i, r in zip(unmatched_idx.tolist(), reasons, strict=True)]
    unmatched += [{"mentee_id": m.id, "full_name": m.full_name,
                   "reason": "не указан уровень образования: уточните карточку наставляемого"}
                  for m in loaded.without_stage]
    with UnitOfWork(engine, outbox) as uow:
        rejected = [] if run.dry_run else write_proposals(uow, run, loaded, solution, settings)
        names = {m.id: m.full_name for m in loaded.mentees}
        for mentee_id in rejected:
            unmatched.append({"mentee_id": mentee_id, "full_name": names[mentee_id], "reason":
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
                        "write_s": round(time.perf_counter() - write_started, 3), "total_s": round(total, 3)},
            "unmatched": unmatched,
        }
        db_run = uow.session.get(Run, run.id)
        db_run.status, db_run.phase, db_run.progress, db_run.finished_at = "succeeded", None, 1.0, utcnow()
        db_run.result = json.dumps(result, ensure_ascii=False)
        uow.publish(new_event("mentoring.run.completed", "/matching", run.id, {
            "run_id": run.id, "scope": run.scope, "dry_run": run.dry_run, "mentees_in_scope":
            result["counts"]["mentees_in_scope"], "matched": matched, "unmatched": len(unmatched),
            "total_cost": result["total_cost"]}))
        uow.commit()
    return result


def write_proposals(uow: UnitOfWork, run: Run, loaded: LoadedProblem, solution: solver.Solution,
                    settings: Settings) -> list[str]:
    """Insert the proposals and their events; drop any that a concurrent writer made impossible."""
    session = uow.session
    region_ids = {m.region_id for m in loaded.mentees}
    for region_id in sorted(region_ids):
        lock_capacity(session, region_id)
    mentor_ids = sorted({loaded.mentors[j].id for j in solution.mentor_index.tolist()})
    current = open_load(session, mentor_ids) if mentor_ids else {}
    capacity = {m.id: m.capacity for m in loaded.mentors}
    busy = set(session.exec(select(Pair.mentee_id).where(
        Pair.state.in_(OPEN_STATES), Pair.mentee_id.in_([loaded.mentees[i].id for i in
                                                         solution.mentee_index.tolist()]))).all()) \
        if len(solution.mentee_index) < 30_000 else _busy_mentees(session)
    used: Counter[str] = Counter()
    now, expires = utcnow(), utcnow() + timedelta(days=settings.proposal_ttl_days)
    rows, events, rejected = [], [], []
    order = np.argsort(solution.cost, kind="stable")
    for k in order.tolist():
        mentee, mentor = loaded.mentees[int(solution.mentee_index[k])], loaded.mentors[int(solution.mentor_index[k])]
        if mentee.id in busy or current.get(mentor.id, 0) + used[mentor.id] >= capacity[mentor.id]:
            rejected.append(mentee.id)
            continue
        used[mentor.id] += 1
        row = {"id": new_id(), "version": 1, "state": "proposed", "mentor_id": mentor.id, "mentee_id": mentee.id,
               "run_id": run.id, "group_id": None, "form": "traditional", "role_model": "teacher_teacher",
               "cost": int(solution.cost[k]), "region_id": mentee.region_id, "municipality_id": mentee.municipality_id,
               "organization_id": mentee.organization_id, "mentor_organization_id": mentor.organization_id,
               "mentee_category": mentee.category, "mentee_subject": mentee.subject, "mentee_stage": mentee.stage,
               "mentee_is_student": mentee.is_student, "proposed_at": now, "expires_at": expires,
               "confirmed_at": None, "started_on": None, "planned_end_on": None, "ended_at": None, "result": None,
               "reason": None, "updated_at": now, "updated_by": f"run:{run.id}"}
        rows.append(row)
        events.append(pair_event(row, "proposed", actor=run.requested_by))
    if rows:
        session.execute(insert(Pair.__table__), rows)
        bump_pair_seq(session)
    uow.publish(*events)
    return rejected


def _busy_mentees(session: Session) -> set[str]:
    return set(session.exec(select(Pair.mentee_id).where(Pair.state.in_(OPEN_STATES))).all())


class RunWorker(ConsumerRunner):
    """A work-queue consumer of `mentoring.run.requested`: each run is taken by one worker."""

    def consumer_config(self) -> Any:
        config = super().consumer_config()
        config.ack_wait = self.settings.worker_ack_wait_s
        config.max_deliver = MAX_ATTEMPTS + 1
        config.max_ack_pending = 100
        return config

    def apply(self, event: CloudEvent) -> Outcome:
        run_id = event.data["run_id"]
        run = claim(self.engine, run_id, timedelta(seconds=self.settings.worker_ack_wait_s))
        if run is None:
            return Outcome.DUPLICATE
        try:
            execute(self.engine, self.settings, run)
        except Exception as exc:
            log.exception("run failed", extra={"run_id": run_id})
            with UnitOfWork(self.engine, outbox) as uow:
                fail(uow, uow.session.get(Run, run_id), f"ошибка при подборе: {exc}")
                uow.commit()
        return Outcome.APPLIED


def worker_spec() -> ConsumerSpec:
    return ConsumerSpec(durable="matching-worker", filter_subjects=["mentoring.run.requested"],
                        handler=lambda uow, event: None)
