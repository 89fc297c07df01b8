"""Business rules of matching as vectorised kernels: eligibility and the integer cost of a pair."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

STAGE_CODES = ("preschool", "primary", "basic", "secondary", "vocational")
FORMAT_CODES = ("in_person", "remote", "blended")
CATEGORY_CODES = ("none", "szd", "first", "highest")
NO_SUBJECT = -1
DISTANCE_FORMATS = 0b110
ADJACENT_STAGES = np.array([0b0010, 0b0101, 0b1010, 0b0100, 0], dtype=np.uint64)


@dataclass(frozen=True)
class Weights:
    """Integer cost weights (lower is better); negative values are bonuses."""

    same_organization: int = 0
    same_municipality: int = 20
    elsewhere_in_region: int = 50
    adjacent_stage: int | None = 30
    direction_uncovered: int = 15
    category_none: int = 12
    category_szd: int = 8
    category_first: int = 4
    category_highest: int = 0
    trained: int = -6
    experience_step: int = -2
    experience_step_years: int = 5
    experience_max_steps: int = 4
    preferred: int = -40
    load_step: int = 5

    def __post_init__(self) -> None:
        if not self.same_organization <= self.same_municipality <= self.elsewhere_in_region:
            raise ValueError("distance weights must grow: organization <= municipality <= region")
        if self.adjacent_stage is not None and self.adjacent_stage < 0:
            raise ValueError("adjacent_stage must be >= 0 or None")
        if self.direction_uncovered < 0 or self.preferred > 0 or self.load_step < 0:
            raise ValueError("direction_uncovered >= 0, preferred <= 0 and load_step >= 0 are required")
        if self.experience_step_years <= 0 or self.experience_max_steps < 0:
            raise ValueError("experience_step_years > 0 and experience_max_steps >= 0 are required")

    def as_dict(self) -> dict[str, Any]:
        """The weights as a plain dict, reported with every run."""
        return asdict(self)

    def category_costs(self) -> np.ndarray:
        """Cost per qualification category code, in CATEGORY_CODES order."""
        return np.array([self.category_none, self.category_szd, self.category_first, self.category_highest],
                        dtype=np.int64)

    def pair_cost_bounds(self, max_load_before: int) -> tuple[int, int]:
        """Lowest and highest total cost of any one pair whose slot has at most max_load_before pairs before it."""
        experience = self.experience_step * self.experience_max_steps
        categories = self.category_costs()
        high = (self.elsewhere_in_region + (self.adjacent_stage or 0) + self.direction_uncovered
                + int(categories.max()) + max(self.trained, 0) + max(experience, 0)
                + self.load_step * max_load_before)
        low = (self.same_organization + int(categories.min()) + min(self.trained, 0) + min(experience, 0)
               + self.preferred)
        return low, high


def _bit(masks: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """True where bit `codes` is set in `masks` (codes < 0 give False)."""
    shift = np.clip(codes, 0, 63).astype(np.uint64)
    return ((masks >> shift) & np.uint64(1)).astype(bool) & (codes >= 0)


def pair_keys(mentee_index: np.ndarray, mentor_index: np.ndarray, n_mentors: int) -> np.ndarray:
    """One int64 key per (mentee, mentor) pair."""
    return np.asarray(mentee_index, dtype=np.int64) * max(n_mentors, 1) + np.asarray(mentor_index, dtype=np.int64)


def in_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of keys in a sorted unique key array."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def stage_allowed(p: Any, i: np.ndarray, j: np.ndarray, w: Weights) -> tuple[np.ndarray, np.ndarray]:
    """(stage allowed, stage is only adjacent) for pairs."""
    t = p.mentee_stage[i].astype(np.int64)
    stages = p.mentor_stages[j]
    exact = _bit(stages, t)
    adjacent = ~exact & ((ADJACENT_STAGES[t] & stages) != 0)
    if w.adjacent_stage is None:
        return exact, np.zeros_like(exact)
    return exact | adjacent, adjacent


def covers_request(p: Any, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The mentor teaches the mentee's subject, or covers a requested direction of a mentee without subject."""
    subject = p.mentee_subject[i].astype(np.int64)
    by_direction = (p.mentee_directions[i] & p.mentor_directions[j]) != 0
    return np.where(subject >= 0, _bit(p.mentor_subjects[j], subject), by_direction)


def eligible_pairs(p: Any, i: np.ndarray, j: np.ndarray, w: Weights, *, ignore_capacity: bool = False,
                   ignore_exclusions: bool = False) -> np.ndarray:
    """Hard rules for each (mentee i, mentor j) pair, vectorised; exclusions are self and declined pairs."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    same_municipality = p.mentee_municipality[i] == p.mentor_municipality[j]
    both_distance = ((p.mentee_formats[i] & DISTANCE_FORMATS) != 0) & ((p.mentor_formats[j] & DISTANCE_FORMATS) != 0)
    ok = (p.mentee_region[i] == p.mentor_region[j]) & (same_municipality | both_distance)
    ok &= covers_request(p, i, j) & stage_allowed(p, i, j, w)[0]
    if not ignore_capacity:
        ok &= p.mentor_free[j] > 0
    if ignore_exclusions:
        return ok
    ok &= p.mentee_person[i] != p.mentor_person[j]
    return ok & ~in_sorted(p.declined_keys, pair_keys(i, j, p.n_mentors))


def pairwise_terms(p: Any, i: np.ndarray, j: np.ndarray, w: Weights) -> dict[str, np.ndarray]:
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
    preferred = in_sorted(p.preference_keys, pair_keys(i, j, p.n_mentors))
    return {
        "distance": distance.astype(np.int64),
        "stage": np.where(adjacent, w.adjacent_stage or 0, 0).astype(np.int64),
        "direction": np.where(uncovered, w.direction_uncovered, 0).astype(np.int64),
        "preferred": np.where(preferred, w.preferred, 0).astype(np.int64),
    }


def pairwise_cost(p: Any, i: np.ndarray, j: np.ndarray, w: Weights) -> np.ndarray:
    """Sum of the pairwise terms."""
    terms = pairwise_terms(p, i, j, w)
    return terms["distance"] + terms["stage"] + terms["direction"] + terms["preferred"]


def mentor_terms(p: Any, j: np.ndarray, w: Weights) -> dict[str, np.ndarray]:
    """Cost terms of the mentor alone: qualification category, training, experience."""
    j = np.asarray(j, dtype=np.int64)
    steps = np.minimum(p.mentor_experience[j].astype(np.int64) // w.experience_step_years, w.experience_max_steps)
    return {
        "category": w.category_costs()[p.mentor_category[j].astype(np.int64)],
        "trained": np.where(p.mentor_trained[j], w.trained, 0).astype(np.int64),
        "experience": steps * w.experience_step,
    }


def mentor_quality(p: Any, j: np.ndarray, w: Weights) -> np.ndarray:
    """Sum of the mentor's own terms."""
    terms = mentor_terms(p, j, w)
    return terms["category"] + terms["trained"] + terms["experience"]


def slot_cost(load_before: np.ndarray | int, w: Weights) -> np.ndarray:
    """Convex load cost: the slot taken after `load_before` pairs costs load_step * load_before."""
    return np.asarray(load_before, dtype=np.int64) * w.load_step


def total_cost(p: Any, i: np.ndarray, j: np.ndarray, load_before: np.ndarray, w: Weights) -> np.ndarray:
    """Full cost of pairs whose mentor slot comes after `load_before` pairs."""
    return pairwise_cost(p, i, j, w) + mentor_quality(p, j, w) + slot_cost(load_before, w)
