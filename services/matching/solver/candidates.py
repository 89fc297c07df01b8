"""Every eligible (mentee, mentor) pair, as the plain bipartite formulation needs, and a bound on their number."""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import IntArray, lookup
from services.matching.domain.eligibility import eligible_pairs
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.arrays import join, pack, set_bits, shared_codes
from services.matching.solver.routes import SUBJECT_SLOTS


def _request_keys(p: MatchingProblem) -> tuple[IntArray, IntArray, IntArray]:
    """(mentee key, mentor row, mentor key) on region and subject slot, for joining candidate pairs."""
    region_of_mentee, region_of_mentor, n_regions = shared_codes(p.mentee_region, p.mentor_region)
    row, bit = set_bits(p.mentor_subjects)
    with_directions = np.flatnonzero(p.mentor_directions != 0)
    row = np.concatenate([row, with_directions])
    slot = np.concatenate([bit + 1, np.zeros(len(with_directions), np.int64)])
    return (pack([region_of_mentee, p.mentee_subject + 1], [n_regions, SUBJECT_SLOTS]), row,
            pack([region_of_mentor[row], slot], [n_regions, SUBJECT_SLOTS]))


def candidate_bound(p: MatchingProblem) -> int:
    """Upper bound on eligible pairs: pairs in the same region sharing the subject (or any direction)."""
    left, _, right = _request_keys(p)
    keys, count = np.unique(right, return_counts=True)
    at = lookup(keys, left)
    return int(np.where(at >= 0, count[at], 0).sum())


def candidate_pairs(p: MatchingProblem, w: Weights) -> tuple[IntArray, IntArray]:
    """Every eligible (mentee, mentor) pair."""
    left, row, right = _request_keys(p)
    mentee, at = join(left, right)
    mentor = row[at]
    ok = eligible_pairs(p, mentee, mentor, w)
    return mentee[ok], mentor[ok]
