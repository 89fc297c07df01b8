"""Executing a claimed run: load its scope, apply its pins and exclusions, solve, explain the unmatched, then
write everything in one transaction: pairs with their events, or for a draft its proposals only."""

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
from services.matching.adapters.problem_columns import Columns, take
from services.matching.adapters.problem_loading import LoadedProblem, load_problem, region_of_scope
from services.matching.adapters.run_inputs import input_hash, previous_run
from services.matching.adapters.tables import Run, outbox
from services.matching.domain.arrays import BoolArray, IntArray
from services.matching.domain.run_figures import compare_runs, unmet_demand
from services.matching.domain.unmatched import unmatched_reasons
from services.matching.domain.weights import Weights
from services.matching.solver.flow import solve
from services.matching.solver.solution import Solution
from services.matching.use_cases.draft_writing import write_draft
from services.matching.use_cases.proposal_writing import write_proposals
from services.matching.use_cases.run_claim import owned, set_phase
from services.matching.use_cases.run_parents import record_child
from services.matching.use_cases.run_plan import RunPlan, plan_run
from shared.config import Settings
from shared.db import UnitOfWork, read_session
from shared.events import new_event, utcnow
from shared.scopes import Scope

NO_STAGE = "не указан уровень образования: уточните карточку наставляемого"
NO_CONSENT = "нет согласия на обработку персональных данных: внесите дату согласия в карточку наставляемого"
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


def execute(engine: Engine, settings: Settings, run: Run, registry_position: int | None = None) -> dict[str, Any]:
    """Load, solve and write one run; returns its result document (also stored on the run), which names the
    registry position the read model had reached (None when the run did not wait for the registry)."""
    with collector_paused():
        return _execute(engine, settings, run, registry_position)


def _unmatched(plan: RunPlan, loaded: LoadedProblem, solved: Solution, weights: Weights) -> tuple[IntArray, list[str]]:
    """Every mentee of the solved problem left without a proposal (as rows of the loaded problem), with the
    reason an operator can act on."""
    is_unmatched = np.ones(plan.problem.n_mentees, dtype=bool)
    is_unmatched[solved.mentee_index] = False
    unmatched_idx = np.flatnonzero(is_unmatched)
    reasons = unmatched_reasons(plan.problem, unmatched_idx, weights) if len(unmatched_idx) else []
    return plan.rows[unmatched_idx], list(reasons)


def _listed(mentees: Columns, rows: IntArray, reasons: list[str]) -> list[dict[str, Any]]:
    ids, names = take(mentees["id"], rows), take(mentees["full_name"], rows)
    return [{"mentee_id": m, "full_name": n, "reason": r} for m, n, r in zip(ids, names, reasons, strict=True)]


def _changes(previous_id: str | None, previous: dict[str, str], loaded: LoadedProblem, solution: Solution,
             written: IntArray) -> tuple[BoolArray, dict[str, Any]]:
    """`compare_runs` on the proposals written (no id is looked up when the previous run proposed nothing)."""
    if not previous:
        return np.zeros(len(written), dtype=bool), {"previous_run_id": previous_id, "added": len(written),
                                                    "removed": 0, "kept": 0}
    return compare_runs(previous_id, previous, take(loaded.mentees["id"], solution.mentee_index[written]),
                        take(loaded.mentors["id"], solution.mentor_index[written]))


def _execute(engine: Engine, settings: Settings, run: Run, registry_position: int | None) -> dict[str, Any]:
    started = time.perf_counter()
    weights = run_weights(run)
    scope = Scope(run.scope_kind, run.scope_id)  # type: ignore[arg-type]
    with read_session(engine) as session:
        region = region_of_scope(session, scope)
        fingerprint = input_hash(session, scope, region) if run.draft else None  # before loading: never newer
        loaded = load_problem(session, region, scope)
        plan = plan_run(session, loaded, scope, region, json.loads(run.options), weights)
        previous_id, previous = previous_run(session, run)
    load_s = time.perf_counter() - started
    set_phase(engine, run.id, "solving", 0.3)
    solved = solve(plan.problem, weights, backend=settings.matching_solver, processes=settings.solver_processes)
    solution = plan.full(solved)
    write_started = time.perf_counter()
    set_phase(engine, run.id, "writing", 0.8)
    rows, reasons = _unmatched(plan, loaded, solved, weights)
    reasons_s = time.perf_counter() - write_started
    mentees = loaded.mentees
    with bulk_connection(engine, len(solution.mentee_index)) as connection, UnitOfWork(connection, outbox) as uow:
        db_run = owned(uow.session, run)  # the run row locked first: a worker that lost its lease writes nothing
        written, rejected = np.arange(len(solution.mentee_index)), np.zeros(0, np.int64)
        if not run.dry_run and not run.draft:
            written, rejected_rows = write_proposals(uow, run, loaded, solution, settings)
            rejected = np.asarray(rejected_rows, np.int64)
        kept, changes = _changes(previous_id, previous, loaded, solution, written)
        if run.draft:
            write_draft(uow, run, loaded, solution, len(solved.mentee_index), kept)
        unmatched = _listed(mentees, rows, reasons) + [
            {"mentee_id": mentee_id, "full_name": name, "reason": NO_STAGE}
            for mentee_id, name, _subject in loaded.without_stage] + [
            {"mentee_id": mentee_id, "full_name": "", "reason": NO_CONSENT}
            for mentee_id, _subject in loaded.without_consent] + _listed(
            mentees, rejected, [TAKEN_MEANWHILE] * len(rejected))
        everyone = np.concatenate([rows, rejected]).astype(np.int64)
        demand = unmet_demand(take(mentees["subject"], everyone) + [s for _, _, s in loaded.without_stage],
                              take(mentees["stage"], everyone) + [None] * len(loaded.without_stage))
        matched = len(written)
        left_out = len(loaded.without_stage) + len(loaded.without_consent)
        result = {
            "counts": {"mentees_in_scope": loaded.problem.n_mentees + left_out,
                       "mentors_available": int((loaded.problem.mentor_free > 0).sum()), "matched": matched,
                       "unmatched": len(unmatched), "pairs_per_form": {"traditional": matched},
                       "young_specialists_matched": int(solution.young_matched), "pinned": len(plan.pinned.mentee)},
            "total_cost": int(solution.cost.sum()), "weights": weights.as_dict(),
            "graph": {"nodes": solution.nodes, "arcs": solution.arcs, "method": solution.method},
            "timings": {"load_s": round(load_s, 3), "build_s": round(solution.build_seconds, 3),
                        "solve_s": round(solution.solve_seconds, 3), "reasons_s": round(reasons_s, 3),
                        "write_s": round(time.perf_counter() - write_started - reasons_s, 3),
                        "total_s": round(time.perf_counter() - started, 3)},
            "pins_refused": plan.pins_refused, "changes": changes, "unmet_demand": demand,
            "unmatched": unmatched, "registry_position": registry_position,
        }
        db_run.status, db_run.phase, db_run.progress, db_run.finished_at = "succeeded", None, 1.0, utcnow()
        db_run.result = json.dumps(result, ensure_ascii=False)
        if run.draft:
            db_run.publication, db_run.input_hash = "review", fingerprint
        if run.parent_id is not None:
            record_child(uow, db_run, result)
        uow.publish(new_event("mentoring.run.completed", SOURCE, run.id, {
            "run_id": run.id, "scope": run.scope, "dry_run": run.dry_run, "mentees_in_scope":
            result["counts"]["mentees_in_scope"], "matched": matched, "unmatched": len(unmatched),
            "total_cost": result["total_cost"]}))
        uow.commit()
    return result
