"""The cheapest eligible mentors for one mentee, ranked, each with its explained cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.matching.domain import costs
from services.matching.domain.eligibility import eligible_pairs
from services.matching.domain.explanations import CostTerm, explain_pair
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate mentor for one mentee."""

    mentor_index: int
    mentor_id: int
    cost: int
    terms: list[CostTerm]


def suggest(problem: MatchingProblem, mentee_index: int, limit: int = 10,
            weights: Weights = Weights(), candidates: npt.ArrayLike | None = None) -> list[Suggestion]:
    """The `limit` cheapest eligible mentors with free load for one mentee, vectorised over all mentors
    (or over `candidates`, a superset of the eligible ones such as the mentors teaching the subject)."""
    j = np.arange(problem.n_mentors, dtype=np.int64) if candidates is None else np.asarray(candidates, np.int64)
    i = np.full(len(j), mentee_index, dtype=np.int64)
    ok = j[eligible_pairs(problem, i, j, weights)]
    cost = costs.total_cost(problem, np.full(len(ok), mentee_index, np.int64), ok, problem.mentor_load[ok], weights)
    key = cost * max(problem.n_mentors, 1) + ok
    if len(key) > limit:
        top = np.argpartition(key, limit)[:limit]
        key, ok, cost = key[top], ok[top], cost[top]
    order = np.argsort(key)
    return [Suggestion(int(ok[k]), int(problem.mentor_id[ok[k]]), int(cost[k]),
                       explain_pair(problem, mentee_index, int(ok[k]), weights)) for k in order]
