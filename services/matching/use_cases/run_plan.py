"""What a run solves once its options are applied: pairs excluded, pairs pinned (or refused, with a reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlmodel import Session

from services.matching.adapters.problem_loading import LoadedProblem
from services.matching.adapters.run_inputs import pin_refusals
from services.matching.domain.arrays import IntArray, pair_keys
from services.matching.domain.pins import PinnedPairs, place_pins, with_exclusions, without_pinned
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.solution import Solution
from shared.scopes import Scope


def _none() -> IntArray:
    return np.zeros(0, np.int64)


@dataclass
class RunPlan:
    """The problem to solve, the row of the loaded mentees behind each of its mentees, the pins that hold
    (rows of the loaded problem) and those refused."""

    problem: MatchingProblem
    rows: IntArray
    pinned: PinnedPairs = field(default_factory=lambda: PinnedPairs(_none(), _none(), _none(), []))
    pins_refused: list[dict[str, str]] = field(default_factory=list)
    young_pinned: int = 0

    def full(self, solved: Solution) -> Solution:
        """The solution in rows of the loaded problem, the pinned pairs after the solved ones."""
        pinned = self.pinned
        return Solution(np.concatenate([self.rows[solved.mentee_index], pinned.mentee]),
                        np.concatenate([solved.mentor_index, pinned.mentor]),
                        np.concatenate([solved.cost, pinned.cost]).astype(np.int64),
                        solved.young_matched + self.young_pinned, solved.nodes, solved.arcs,
                        solved.build_seconds, solved.solve_seconds, solved.method, solved.weights)


def _indices(pairs: list[dict[str, str]], mentee_at: dict[str, int], mentor_at: dict[str, int]
             ) -> tuple[IntArray, IntArray]:
    """(mentee row, mentor row) of each pair, -1 where the problem does not hold that person."""
    return (np.array([mentee_at.get(p["mentee_id"], -1) for p in pairs], np.int64),
            np.array([mentor_at.get(p["mentor_id"], -1) for p in pairs], np.int64))


def plan_run(session: Session, loaded: LoadedProblem, scope: Scope, region_id: str, options: dict[str, Any],
             weights: Weights) -> RunPlan:
    """Apply a run's exclusions and pins to its loaded problem (nothing to do without them)."""
    problem = loaded.problem
    pins, exclusions = options.get("pins") or [], options.get("exclusions") or []
    if not pins and not exclusions:
        return RunPlan(problem, np.arange(problem.n_mentees, dtype=np.int64))
    mentee_at = {mentee_id: i for i, mentee_id in enumerate(loaded.mentees["id"])}
    mentor_at = {mentor_id: j for j, mentor_id in enumerate(loaded.mentors["id"])}
    out_i, out_j = _indices(exclusions, mentee_at, mentor_at)
    known = (out_i >= 0) & (out_j >= 0)
    excluded = with_exclusions(problem, out_i[known], out_j[known])
    pin_i, pin_j = _indices(pins, mentee_at, mentor_at)
    present = np.flatnonzero((pin_i >= 0) & (pin_j >= 0))
    pinned = place_pins(problem, pin_i[present], pin_j[present],
                        pair_keys(out_i[known], out_j[known], problem.n_mentors), weights)
    absent = [k for k in range(len(pins)) if pin_i[k] < 0 or pin_j[k] < 0]
    reasons = pin_refusals(session, scope, region_id, [pins[k]["mentee_id"] for k in absent if pin_i[k] < 0],
                           [pins[k]["mentor_id"] for k in absent if pin_i[k] >= 0])
    refused = [(k, reasons[pins[k]["mentee_id"] if pin_i[k] < 0 else pins[k]["mentor_id"]]) for k in absent]
    refused += [(int(present[k]), reason) for k, reason in pinned.refused]
    reduced, rows = without_pinned(excluded, pinned)
    return RunPlan(reduced, rows, pinned, [{"mentor_id": pins[k]["mentor_id"], "mentee_id": pins[k]["mentee_id"],
                                            "reason": reason} for k, reason in sorted(refused)],
                   int(problem.mentee_young[pinned.mentee].sum()))
