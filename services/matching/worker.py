"""The matching worker: takes runs from JetStream, solves them, and writes proposals in one transaction."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from services.matching import domain, solver
from services.matching.pair_events import SOURCE
from services.matching.problem import LoadedProblem, Scope, load_problem, open_load
from services.matching.read_model import bump_pair_seq
from services.matching.runs import weights_from_options
from services.matching.tables import OPEN_STATES, Pair, Run, outbox
from shared.config import Settings
from shared.consumer import ConsumerRunner, ConsumerSpec, Outcome
from shared.db import UnitOfWork, bulk_insert, read_session
from shared.events import CloudEvent, encode_many, fast_ids, new_event, utcnow

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
    with UnitOfWork(engine, outbox) as uow:
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
                    settings: Settings) -> list[int]:
    """Insert the proposals and their events; drop (and return) any that a concurrent writer made impossible."""
    session = uow.session
    mentees, mentors = loaded.mentees.columns, loaded.mentors.columns
    for region_id in sorted(set(mentees["region_id"])):
        lock_capacity(session, region_id)
    chosen_mentors = solution.mentor_index.tolist()
    current = open_load(session)
    busy = _busy_mentees(session)
    used: Counter[int] = Counter()
    now, expires = utcnow(), utcnow() + timedelta(days=settings.proposal_ttl_days)
    stamp, actor = now.isoformat().replace("+00:00", "Z"), f"run:{run.id}"
    accepted, rejected = [], []
    for k in np.argsort(solution.cost, kind="stable").tolist():
        i, j = int(solution.mentee_index[k]), chosen_mentors[k]
        if mentees["id"][i] in busy or current.get(mentors["id"][j], 0) + used[j] >= mentors["capacity"][j]:
            rejected.append(i)
            continue
        used[j] += 1
        accepted.append((k, i, j))
    pair_ids = fast_ids(len(accepted))
    rows, items = [], []
    for pair_id, (k, i, j) in zip(pair_ids, accepted, strict=True):
        row = {"id": pair_id, "version": 1, "state": "proposed", "mentor_id": mentors["id"][j],
               "mentee_id": mentees["id"][i], "run_id": run.id, "form": "traditional", "role_model": "teacher_teacher",
               "cost": int(solution.cost[k]), "region_id": mentees["region_id"][i],
               "municipality_id": mentees["municipality_id"][i], "organization_id": mentees["organization_id"][i],
               "mentor_organization_id": mentors["organization_id"][j], "mentee_category": mentees["category"][i],
               "mentee_subject": mentees["subject"][i], "mentee_stage": mentees["stage"][i],
               "mentee_is_student": bool(mentees["is_student"][i]), "proposed_at": now, "expires_at": expires,
               "updated_at": now, "updated_by": actor}
        rows.append(row)
        items.append((pair_id, proposed_data(row, stamp, run.requested_by)))
    if rows:
        bulk_insert(session, Pair.__table__, rows)
        bump_pair_seq(session)
        kind = "mentoring.pair.proposed"
        uow.outbox.add_encoded(session, kind, encode_many(kind, SOURCE, items))
    return rejected


def proposed_data(row: dict[str, Any], stamp: str, actor: str) -> dict[str, Any]:
    """The data of `mentoring.pair.proposed` for a freshly written proposal (the catalog's PairChanged).

    Fields that are always null on a proposal (confirmation, program dates, result) are left out.
    """
    data = {"pair_id": row["id"], "version": 1, "state": "proposed", "mentor_id": row["mentor_id"],
            "mentee_id": row["mentee_id"], "organization_id": row["organization_id"],
            "municipality_id": row["municipality_id"], "region_id": row["region_id"],
            "mentor_organization_id": row["mentor_organization_id"], "mentee_category": row["mentee_category"],
            "mentee_subject": row["mentee_subject"], "mentee_stage": row["mentee_stage"],
            "mentee_is_student": row["mentee_is_student"], "form": row["form"], "role_model": row["role_model"],
            "run_id": row["run_id"], "occurred_at": stamp, "proposed_at": stamp, "actor": actor}
    if data["mentee_subject"] is None:
        del data["mentee_subject"]  # optional fields that are null are left out of bulk events
    return data


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
