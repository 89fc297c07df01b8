"""What a solve returns: the pairs as parallel arrays with their costs, and the figures of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.matching.domain.arrays import IntArray
from services.matching.domain.costs import total_cost
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights


class SolverFailed(Exception):
    """The flow solver returned a status other than OPTIMAL, or a result that does not check out."""

    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(f"min-cost flow failed: {status} {detail}".strip())
        self.status, self.detail = status, detail

    def __reduce__(self) -> tuple[type[SolverFailed], tuple[str, str]]:
        """Pickled with its status, so a failure in a solver process arrives whole."""
        return SolverFailed, (self.status, self.detail)


@dataclass(frozen=True)
class Solution:
    """Matched pairs as parallel arrays (mentee index, mentor index, cost of the pair) and run figures."""

    mentee_index: IntArray
    mentor_index: IntArray
    cost: IntArray
    young_matched: int
    nodes: int
    arcs: int
    build_seconds: float
    solve_seconds: float
    method: str
    weights: dict[str, Any] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        """Number of matched mentees."""
        return len(self.mentee_index)

    @property
    def total_cost(self) -> int:
        """Sum of the pair costs."""
        return int(self.cost.sum())


def solution_of(p: MatchingProblem, w: Weights, mentee: IntArray, mentor: IntArray, load: IntArray, *, nodes: int,
                arcs: int, build_seconds: float, solve_seconds: float, method: str) -> Solution:
    """The pairs (mentee, mentor, load before the pair's slot) sorted by mentee, each with its full cost."""
    order = np.argsort(mentee, kind="stable")
    mentee, mentor, load = mentee[order], mentor[order], load[order]
    cost = total_cost(p, mentee, mentor, load, w)
    return Solution(mentee, mentor, cost, int(p.mentee_young[mentee].sum()), nodes, arcs, build_seconds,
                    solve_seconds, method, weights=w.as_dict())


def empty_solution(p: MatchingProblem, w: Weights, method: str) -> Solution:
    """No pairs: no mentees, or no mentor with free load."""
    none = np.zeros(0, np.int64)
    return solution_of(p, w, none, none, none, nodes=0, arcs=0, build_seconds=0.0, solve_seconds=0.0, method=method)
