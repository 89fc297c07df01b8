"""The integer cost of a pair, vectorised: terms of both sides, terms of the mentor alone, and the load slot.

Every kernel takes the problem (or a stand-in with the arrays it reads), mentee indices `i` and mentor
indices `j`; the total is what the solver minimises and what the explanations split into named terms.
What a mentor expects of a mentee (experience range, qualification category) is a pairwise cost, paid only
where both sides are known (`expectation_terms`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from services.matching.domain.arrays import AnyArray, IntArray, in_sorted, pair_keys
from services.matching.domain.eligibility import stage_allowed
from services.matching.domain.weights import Weights


def pairwise_terms(p: Any, i: npt.ArrayLike, j: npt.ArrayLike, w: Weights) -> dict[str, IntArray]:
    """Cost terms that depend on both sides of a pair: distance, stage, direction, preference."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    same_org = p.mentee_org[i] == p.mentor_org[j]
    same_municipality = p.mentee_municipality[i] == p.mentor_municipality[j]
    distance = np.where(same_org, w.same_organization,
                        np.where(same_municipality, w.same_municipality, w.elsewhere_in_region))
    adjacent = stage_allowed(p, i, j, w)[1]
    requested = p.mentee_directions[i]
    uncovered = (requested != 0) & ((requested & p.mentor_directions[j]) == 0)
    preferences: AnyArray = p.preference_keys
    preferred = in_sorted(preferences, pair_keys(i, j, p.n_mentors))
    return {
        "distance": distance.astype(np.int64),
        "stage": np.where(adjacent, w.adjacent_stage or 0, 0).astype(np.int64),
        "direction": np.where(uncovered, w.direction_uncovered, 0).astype(np.int64),
        "preferred": np.where(preferred, w.preferred, 0).astype(np.int64),
        **expectation_terms(p, i, j, w),
    }


def years_outside(p: Any, i: IntArray, j: IntArray) -> IntArray:
    """Years the mentee's experience lies outside the range the mentor expects (0 when either is unknown)."""
    years = p.mentee_experience[i].astype(np.int64)
    low, high = p.mentor_expected_min[j].astype(np.int64), p.mentor_expected_max[j].astype(np.int64)
    below = np.where(low >= 0, np.maximum(low - years, 0), 0)
    above = np.where(high >= 0, np.maximum(years - high, 0), 0)
    outside: IntArray = np.where(years >= 0, below + above, 0)
    return outside


def expectation_terms(p: Any, i: npt.ArrayLike, j: npt.ArrayLike, w: Weights) -> dict[str, IntArray]:
    """What the mentor expects of a mentee: experience in a range (per year outside, capped), a category."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    years = np.minimum(years_outside(p, i, j), w.mentee_experience_max_years)
    category, expected = p.mentee_qualification[i], p.mentor_expected_category[j]
    other = (category >= 0) & (expected >= 0) & (category != expected)
    return {"mentee_experience": (years * w.mentee_experience_year).astype(np.int64),
            "mentee_category": np.where(other, w.mentee_category_mismatch, 0).astype(np.int64)}


def pairwise_cost(p: Any, i: npt.ArrayLike, j: npt.ArrayLike, w: Weights) -> IntArray:
    """Sum of the pairwise terms."""
    total: IntArray = sum(pairwise_terms(p, i, j, w).values(), np.zeros(np.size(i), np.int64))
    return total


def mentor_terms(p: Any, j: npt.ArrayLike, w: Weights) -> dict[str, IntArray]:
    """Cost terms of the mentor alone: qualification category, training, experience."""
    j = np.asarray(j, dtype=np.int64)
    steps = np.minimum(p.mentor_experience[j].astype(np.int64) // w.experience_step_years, w.experience_max_steps)
    return {
        "category": w.category_costs()[p.mentor_category[j].astype(np.int64)],
        "trained": np.where(p.mentor_trained[j], w.trained, 0).astype(np.int64),
        "experience": (steps * w.experience_step).astype(np.int64),
    }


def mentor_quality(p: Any, j: npt.ArrayLike, w: Weights) -> IntArray:
    """Sum of the mentor's own terms."""
    terms = mentor_terms(p, j, w)
    return terms["category"] + terms["trained"] + terms["experience"]


def slot_cost(load_before: npt.ArrayLike, w: Weights) -> IntArray:
    """Convex load cost: the slot taken after `load_before` pairs costs load_step * load_before."""
    return np.asarray(load_before, dtype=np.int64) * w.load_step


def total_cost(p: Any, i: npt.ArrayLike, j: npt.ArrayLike, load_before: npt.ArrayLike, w: Weights) -> IntArray:
    """Full cost of pairs whose mentor slot comes after `load_before` pairs."""
    return pairwise_cost(p, i, j, w) + mentor_quality(p, j, w) + slot_cost(load_before, w)
