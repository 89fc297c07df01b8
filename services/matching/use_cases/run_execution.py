"""Executing a claimed run: load its scope, solve, explain the unmatched, then write everything in one transaction."""

from __future__ import annotations

import contextlib
import gc
import json
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Engine

from services.matching.adapters.bulk_writes import bulk_connection
from services.matching.adapters.pair_events import SOURCE
from services.matching.adapters.problem_loading import LoadedProblem, load_problem, region_of_scope
from services.matching.adapters.tables import Run, outbox
from services.matching.domain.unmatched import unmatched_reasons
from services.matching.domain.weights import Weights
from services.matching.solver.flow import solve
from services.matching.solver.solution import Solution
from services.matching.use_cases.proposal_writing import write_proposals
from services.matching.use_cases.run_claim import owned, set_phase
from shared.config import Settings
from shared.db import UnitOfWork, read_session
from shared.events import new_event, utcnow
from shared.scopes import Scope

NO_STAGE = "не указан уровень образования: уточните карточку наставляемого"
TAKEN_MEANWHILE = "наставник занят параллельным подбором: повторите подбор"


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


def run_weights(run: Run) -> Weights:
    """The weights a run was requested with (validated by the request's schema when it was queued)."""
    return Weights.with_overrides(json.loads(run.options).get("weights"))


def execute(engine: Engine, settings: Settings, run: Run) -> dict[str, Any]:
    """Load, solve and write one run; returns its result document (also stored on the run)."""
    with collector_paused():
        return _execute(engine, settings, run)


def _unmatched(loaded: LoadedProblem, solution: Solution, weights: Weights) -> list[dict[str, Any]]:
    """Every mentee of the scope left without a proposal, with the reason an operator can act on."""
    is_unmatched = np.ones(loaded.problem.n_mentees, dtype=bool)
    is_unmatched[solution.mentee_index] = False
    unmatched_idx = np.flatnonzero(is_unmatched)
    reasons = unmatched_reasons(loaded.problem, unmatched_idx, weights) if len(unmatched_idx) else []
    ids, names = loaded.mentees["id"], loaded.mentees["full_name"]
    unmatched = [{"mentee_id": ids[i], "full_name": names[i], "reason": r}
                 for i, r in zip(unmatched_idx.tolist(), reasons, strict=True)]
    return unmatched + [{"mentee_id": mentee_id, "full_name": name, "reason": NO_STAGE}
                        for mentee_id, name in loaded.without_stage]


def _execute(engine: Engine, settings: Settings, run: Run) -> dict[str, Any]:
    started = time.perf_counter()
    weights = run_weights(run)
    scope = Scope(run.scope_kind, run.scope_id)  # type: ignore[arg-type]
    with read_session(engine) as session:
        loaded = load_problem(session, region_of_scope(session, scope), scope)
    load_s = time.perf_counter() - started
    set_phase(engine, run.id, "solving", 0.3)
    solution = solve(loaded.problem, weights)
    write_started = time.perf_counter()
    set_phase(engine, run.id, "writing", 0.8)
    unmatched = _unmatched(loaded, solution, weights)
    reasons_s = time.perf_counter() - write_started
    with bulk_connection(engine, len(solution.mentee_index)) as connection, UnitOfWork(connection, outbox) as uow:
        db_run = owned(uow.session, run)  # the run row locked first: a worker that lost its lease writes nothing
        rejected = [] if run.dry_run else write_proposals(uow, run, loaded, solution, settings)
        ids, names = loaded.mentees["id"], loaded.mentees["full_name"]
        unmatched += [{"mentee_id": ids[i], "full_name": names[i], "reason": TAKEN_MEANWHILE} for i in rejected]
        matched = len(solution.mentee_index) - len(rejected)
        result = {
            "counts": {"mentees_in_scope": loaded.problem.n_mentees + len(loaded.without_stage),
                       "mentors_available": int((loaded.problem.mentor_free > 0).sum()), "matched": matched,
                       "unmatched": len(unmatched), "pairs_per_form": {"traditional": matched},
                       "young_specialists_matched": int(solution.young_matched)},
            "total_cost": int(solution.cost.sum()), "weights": weights.as_dict(),
            "graph": {"nodes": solution.nodes, "arcs": solution.arcs, "method": solution.method},
            "timings": {"load_s": round(load_s, 3), "build_s": round(solution.build_seconds, 3),
                        "solve_s": round(solution.solve_seconds, 3), "reasons_s": round(reasons_s, 3),
                        "write_s": round(time.perf_counter() - write_started - reasons_s, 3),
                        "total_s": round(time.perf_counter() - started, 3)},
            "unmatched": unmatched,
        }
        db_run.status, db_run.phase, db_run.progress, db_run.finished_at = "succeeded", None, 1.0, utcnow()
        db_run.result = json.dumps(result, ensure_ascii=False)
        uow.publish(new_event("mentoring.run.completed", SOURCE, run.id, {
            "run_id": run.id, "scope": run.scope, "dry_run": run.dry_run, "mentees_in_scope":
            result["counts"]["mentees_in_scope"], "matched": matched, "unmatched": len(unmatched),
            "total_cost": result["total_cost"]}))
        uow.commit()
    return result
