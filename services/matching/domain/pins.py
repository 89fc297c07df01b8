"""A run's own choices before solving: pairs excluded from it, and pairs pinned into it.

An excluded pair is treated like a declined one, for this run only. A pinned pair is kept as it is: its mentee
leaves the problem, its mentor's slot is taken (the later slots cost more), and it is proposed with the run.
A pin that cannot hold is refused with a reason an operator reads, never an error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from services.matching.domain.arrays import BoolArray, IntArray, in_sorted, pair_keys
from services.matching.domain.costs import total_cost
from services.matching.domain.eligibility import eligible_pairs
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights

MENTEE_PINNED_TWICE = "наставляемый уже закреплён за другим наставником"
PAIR_EXCLUDED = "пара исключена в этом запуске"
PAIR_DECLINED = "пара уже была отклонена"
NOT_ELIGIBLE = "пара не проходит правила подбора (предмет, уровень, регион, формат)"
MENTOR_FULL = "у наставника нет свободных мест"


@dataclass(frozen=True)
class PinnedPairs:
    """The pins that hold (mentee and mentor indices of the full problem, cost of each) and those refused."""

    mentee: IntArray
    mentor: IntArray
    cost: IntArray
    refused: list[tuple[int, str]]  # (position in the pins given, reason)


def with_exclusions(problem: MatchingProblem, mentee: IntArray, mentor: IntArray) -> MatchingProblem:
    """The problem with these (mentee, mentor) pairs never proposed, like declined pairs."""
    if not len(mentee):
        return problem
    return dataclasses.replace(problem, declined_mentee=np.concatenate([problem.declined_mentee, mentee]),
                               declined_mentor=np.concatenate([problem.declined_mentor, mentor]))


def place_pins(problem: MatchingProblem, mentee: IntArray, mentor: IntArray, excluded: IntArray,
               weights: Weights) -> PinnedPairs:
    """Check pins in the order given (indices into `problem`; `excluded` holds pair keys excluded in this run).

    A pin holds when its mentee is not pinned already, the pair is neither excluded nor declined, it passes the
    hard rules, and its mentor still has a free slot after the pins before it."""
    mentee, mentor = np.asarray(mentee, np.int64), np.asarray(mentor, np.int64)
    declined = in_sorted(problem.declined_keys, pair_keys(mentee, mentor, problem.n_mentors))
    off = in_sorted(np.unique(excluded), pair_keys(mentee, mentor, problem.n_mentors))
    ok = eligible_pairs(problem, mentee, mentor, weights, ignore_capacity=True, ignore_exclusions=True)
    ok &= problem.mentee_person[mentee] != problem.mentor_person[mentor]
    free = problem.mentor_free.copy()
    taken: set[int] = set()
    kept: list[int] = []
    load: list[int] = []
    refused: list[tuple[int, str]] = []
    for k, (i, j) in enumerate(zip(mentee.tolist(), mentor.tolist(), strict=True)):
        reason = (MENTEE_PINNED_TWICE if i in taken else PAIR_EXCLUDED if off[k] else PAIR_DECLINED if declined[k]
                  else NOT_ELIGIBLE if not ok[k] else MENTOR_FULL if free[j] <= 0 else None)
        if reason is not None:
            refused.append((k, reason))
            continue
        taken.add(i)
        load.append(int(problem.mentor_load[j] + problem.mentor_free[j] - free[j]))
        free[j] -= 1
        kept.append(k)
    at = np.asarray(kept, np.int64)
    cost = total_cost(problem, mentee[at], mentor[at], np.asarray(load, np.int64), weights)
    return PinnedPairs(mentee[at], mentor[at], cost.astype(np.int64), refused)


def without_pinned(problem: MatchingProblem, pinned: PinnedPairs) -> tuple[MatchingProblem, IntArray]:
    """The problem left to solve: pinned mentees out, their mentors' slots taken. Returns it with the row of the
    full problem behind each mentee left (solutions of the smaller problem map back through it)."""
    keep: BoolArray = np.ones(problem.n_mentees, dtype=bool)
    keep[pinned.mentee] = False
    rows: IntArray = np.flatnonzero(keep).astype(np.int64)
    new_index = np.cumsum(keep) - 1
    taken = np.bincount(pinned.mentor, minlength=problem.n_mentors).astype(np.int64)
    mentee_fields = {f.name: getattr(problem, f.name)[rows] for f in dataclasses.fields(problem)
                     if f.name.startswith("mentee_")}
    mentee_fields["mentee_id"] = np.arange(len(rows), dtype=np.int64)
    pairs = {}
    for side in ("preference", "declined"):
        i, j = getattr(problem, f"{side}_mentee"), getattr(problem, f"{side}_mentor")
        stays = keep[i] if len(i) else np.zeros(0, dtype=bool)
        pairs[f"{side}_mentee"], pairs[f"{side}_mentor"] = new_index[i[stays]], j[stays]
    reduced = dataclasses.replace(problem, **mentee_fields, **pairs, mentor_load=problem.mentor_load + taken,
                                  mentor_free=np.maximum(problem.mentor_free - taken, 0))
    return reduced, rows
