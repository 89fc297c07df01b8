"""The hard rules of a pair, vectorised over many (mentee i, mentor j) pairs at once.

The kind of mentee is a rule: a mentor who lists the kinds it helps («молодой специалист», «обучающийся», ...)
takes mentees of those kinds only, an empty list takes every kind (`takes_kind`). What a mentor expects of a
mentee's experience and category is a cost instead (`costs.expectation_terms`, the why in `weights`).

The kernels take the problem's arrays by name (`p.mentee_stage`, `p.mentor_stages`, ...), so they also run
on stand-ins holding only the arrays a rule reads (the unmatched reasons count candidates that way).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from services.matching.domain.arrays import AnyArray, BoolArray, IntArray, MaskArray, in_sorted, pair_keys
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import FORMATS, STAGES
from services.matching.domain.weights import Weights

DISTANCE_FORMATS = FORMATS.mask({"remote", "blended"})  # formats that work between municipalities
# The stages next to each stage: a mentor may take an adjacent stage at the `adjacent_stage` penalty.
NEIGHBOUR_STAGES = {"preschool": ("primary",), "primary": ("preschool", "basic"), "basic": ("primary", "secondary"),
                    "secondary": ("basic",), "vocational": ()}
ADJACENT_STAGES: MaskArray = np.array([STAGES.mask(NEIGHBOUR_STAGES[name]) for name in STAGES.names],
                                      dtype=np.uint64)


def has_bit(masks: MaskArray, codes: IntArray) -> BoolArray:
    """True where bit `codes` is set in `masks` (codes < 0 give False)."""
    shift = np.clip(codes, 0, 63).astype(np.uint64)
    is_set: BoolArray = ((masks >> shift) & np.uint64(1)).astype(bool) & (codes >= 0)
    return is_set


def accepts_distance(formats: MaskArray) -> BoolArray:
    """Whether a side accepts working remotely or blended (a pair across municipalities needs both sides to)."""
    accepts: BoolArray = (formats & np.uint64(DISTANCE_FORMATS)) != 0
    return accepts


def stage_allowed(p: Any, i: IntArray, j: IntArray, w: Weights) -> tuple[BoolArray, BoolArray]:
    """(stage allowed, stage is only adjacent) for pairs."""
    stage = p.mentee_stage[i].astype(np.int64)
    mentor_stages = p.mentor_stages[j]
    exact = has_bit(mentor_stages, stage)
    adjacent = ~exact & ((ADJACENT_STAGES[stage] & mentor_stages) != 0)
    if w.adjacent_stage is None:
        return exact, np.zeros_like(exact)
    return exact | adjacent, adjacent


def covers_request(p: Any, i: IntArray, j: IntArray) -> BoolArray:
    """The mentor teaches the mentee's subject, or covers a requested direction of a mentee without subject."""
    subject = p.mentee_subject[i].astype(np.int64)
    by_direction = (p.mentee_directions[i] & p.mentor_directions[j]) != 0
    result: BoolArray = np.where(subject >= 0, has_bit(p.mentor_subjects[j], subject), by_direction)
    return result


def takes_kind(p: Any, i: IntArray, j: IntArray) -> BoolArray:
    """The mentor takes mentees of the mentee's kind: it lists none (any kind), or the mentee's among them."""
    kinds = p.mentor_kinds[j]
    takes: BoolArray = (kinds == 0) | has_bit(kinds, p.mentee_kind[i].astype(np.int64))
    return takes


def eligible_pairs(p: Any, i: npt.ArrayLike, j: npt.ArrayLike, w: Weights, *, ignore_capacity: bool = False,
                   ignore_exclusions: bool = False) -> BoolArray:
    """Hard rules for each (mentee i, mentor j) pair, vectorised; exclusions are self and declined pairs."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    same_municipality = p.mentee_municipality[i] == p.mentor_municipality[j]
    both_distance = accepts_distance(p.mentee_formats[i]) & accepts_distance(p.mentor_formats[j])
    ok: BoolArray = (p.mentee_region[i] == p.mentor_region[j]) & (same_municipality | both_distance)
    ok &= covers_request(p, i, j) & stage_allowed(p, i, j, w)[0] & takes_kind(p, i, j)
    if not ignore_capacity:
        ok &= p.mentor_free[j] > 0
    if ignore_exclusions:
        return ok
    ok &= p.mentee_person[i] != p.mentor_person[j]
    declined: AnyArray = p.declined_keys
    return ok & ~in_sorted(declined, pair_keys(i, j, p.n_mentors))


def eligible(problem: MatchingProblem, mentee_index: int, mentor_index: int, weights: Weights = Weights()) -> bool:
    """Whether the pair passes every hard rule."""
    return bool(eligible_pairs(problem, np.array([mentee_index]), np.array([mentor_index]), weights)[0])
