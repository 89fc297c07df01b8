"""The pieces a mentee's route to a mentor is made of: its entries into hubs, the stages it may reach, what a
mentor offers, and the pairs no route may join.

A hub key packs (place, subject slot, stage, direction slot): subject slot 0 serves requests without a subject
(subject codes shift by one), direction slot 0 is the generic hub and slot d + 1 the hub of direction d.
"""

from __future__ import annotations

import numpy as np

from services.matching.domain.arrays import IntArray, MaskArray, pair_keys
from services.matching.domain.eligibility import ADJACENT_STAGES
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import NO_SUBJECT, STAGES
from services.matching.domain.weights import Weights
from services.matching.solver.arrays import join, set_bits

SUBJECT_SLOTS = 65  # no subject, then up to 64 subjects
STAGE_COUNT = len(STAGES.names)
DIRECTION_SLOTS = 65  # generic, then up to 64 directions
HUB_SIZES = [SUBJECT_SLOTS, STAGE_COUNT, DIRECTION_SLOTS]  # the radices of a hub key after its place


def excluded_pairs(p: MatchingProblem) -> tuple[IntArray, IntArray]:
    """(mentee, mentor) pairs never matched apart from the rules: declined before, and the same person."""
    mentee, mentor = join(p.mentee_person, p.mentor_person)
    keys = np.unique(np.concatenate([p.declined_keys, pair_keys(mentee, mentor, p.n_mentors)]))
    return keys // max(p.n_mentors, 1), keys % max(p.n_mentors, 1)


def entry_options(subject: IntArray, requested: MaskArray, w: Weights) -> tuple[IntArray, IntArray, IntArray]:
    """(row, direction slot, extra cost): the generic hub (slot 0) and one hub per requested direction.

    A request with a subject enters the generic hub, paying the direction penalty when it asked for
    directions; every requested direction has a hub of its own, at no penalty."""
    generic = np.flatnonzero(subject != NO_SUBJECT)
    row, bit = set_bits(requested)
    extra = np.where(requested[generic] != 0, w.direction_uncovered, 0)
    return (np.concatenate([generic, row]), np.concatenate([np.zeros(len(generic), np.int64), bit + 1]),
            np.concatenate([extra, np.zeros(len(row), np.int64)]).astype(np.int64))


def mentor_offers(subjects: MaskArray, stages: MaskArray, directions: MaskArray) -> tuple[IntArray, IntArray, IntArray]:
    """(row, subject slot, stage) a mentor teaches; subject slot 0 serves direction-only requests."""
    row, bit = set_bits(subjects)
    with_directions = np.flatnonzero(directions != 0)
    row = np.concatenate([row, with_directions])
    slot = np.concatenate([bit + 1, np.zeros(len(with_directions), np.int64)])
    stage_row, stage = set_bits(stages)
    left, right = join(row, stage_row)
    return row[left], slot[left], stage[right]


def stage_targets(stage: IntArray, w: Weights) -> tuple[IntArray, IntArray, IntArray]:
    """(row, mentor stage, stage cost): the mentee's own stage and, when allowed, the adjacent ones."""
    rows = [np.arange(len(stage))]
    targets, cost = [stage], [np.zeros(len(stage), np.int64)]
    if w.adjacent_stage is not None:
        for step in (-1, 1):
            bit = (stage + step).clip(0).astype(np.uint64)
            near = np.flatnonzero((ADJACENT_STAGES[stage] >> bit) & np.uint64(1))
            rows.append(near)
            targets.append(stage[near] + step)
            cost.append(np.full(len(near), w.adjacent_stage, np.int64))
    return np.concatenate(rows), np.concatenate(targets), np.concatenate(cost)


def hub_stage(keys: IntArray) -> IntArray:
    """The stage packed in hub keys."""
    return keys // DIRECTION_SLOTS % STAGE_COUNT


def restage(keys: IntArray, stage: IntArray) -> IntArray:
    """The same hub keys with another stage."""
    return keys + (stage - hub_stage(keys)) * DIRECTION_SLOTS
