"""What the graph's hubs must tell apart beyond the request: the mentee's kind and what mentors expect of it.

Kinds are grouped into kind classes (kinds every mentor takes or refuses alike: one class when no mentor lists
kinds), and a mentor class offers itself once per kind class it takes. The two expectation terms are routed
apart, each on its own arc, since a pair's cost is their sum: mentees are grouped by experience profile (the
same experience cost against every mentor) and category profile, mentors by experience wish and category wish
(the same cost for every mentee). An entry reaches one hub per experience wish offered at its place (paying its
profile's experience cost there), a hub keeps the mentee's category profile, and the step from a hub to a spread
of the mentor's category wish pays the category cost. Where nobody lists kinds or expects anything there is
one of each, and the graph is the one without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from services.matching.domain.arrays import IntArray, MaskArray, lookup
from services.matching.domain.costs import expectation_terms
from services.matching.domain.eligibility import has_bit
from services.matching.domain.problem import UNKNOWN, MatchingProblem
from services.matching.domain.weights import Weights
from services.matching.solver.arrays import join, pack


@dataclass(frozen=True)
class Fit:
    """Kind classes, and the profile and wish codes of both expectation terms with their cost tables."""

    mentee_kind_class: IntArray
    mentor_kind_classes: MaskArray  # mask of the kind classes each mentor takes
    n_kind_classes: int
    experience_profile: IntArray  # per mentee
    experience_wish: IntArray  # per mentor
    experience_cost: IntArray  # [profile, wish]
    category_profile: IntArray
    category_wish: IntArray
    category_cost: IntArray

    @property
    def n_experience_wishes(self) -> int:
        """Number of distinct experience wishes of mentors."""
        return int(self.experience_cost.shape[1])

    @property
    def everyone_taken(self) -> bool:
        """Whether every mentor takes every kind class (then a mentor class offers itself once)."""
        return bool((self.mentor_kind_classes == (1 << self.n_kind_classes) - 1).all())

    def mentee_columns(self) -> list[IntArray]:
        """What tells mentee classes apart here, in one column (none when all mentees share it)."""
        n_experience, n_category = self.experience_cost.shape[0], self.category_cost.shape[0]
        if self.n_kind_classes * n_experience * n_category == 1:
            return []
        return [(self.mentee_kind_class * n_experience + self.experience_profile) * n_category
                + self.category_profile]

    def mentor_columns(self) -> list[IntArray]:
        """What tells mentor classes apart here: the kind classes taken and both wishes."""
        if self.n_kind_classes == 1 and self.everyone_taken and self.experience_cost.size == 1 \
                and self.category_cost.size == 1:
            return []
        return [self.mentor_kind_classes.view(np.int64), self.experience_wish, self.category_wish]


def kind_classes(mentee_kind: IntArray, mentor_kinds: MaskArray) -> tuple[IntArray, MaskArray, int]:
    """(kind class per mentee, mask of the kind classes each mentor takes, number of kind classes)."""
    if not mentor_kinds.any():  # nobody lists kinds: one class, taken by all
        return np.zeros(len(mentee_kind), np.int64), np.ones(len(mentor_kinds), np.uint64), 1
    kinds, kind_of_mentee = np.unique(mentee_kind, return_inverse=True)
    masks, mask_of_mentor = np.unique(mentor_kinds, return_inverse=True)
    takes = (masks[None, :] == 0) | has_bit(masks[None, :], kinds[:, None])  # (kind, mentor mask)
    _, class_of_kind = np.unique(takes, axis=0, return_inverse=True)
    class_of_kind = class_of_kind.ravel()
    bits = np.left_shift(np.uint64(1), class_of_kind.astype(np.uint64))
    taken = np.bitwise_or.reduce(np.where(takes, bits[:, None], np.uint64(0)), axis=0)
    n_classes = int(class_of_kind.max(initial=-1)) + 1
    return class_of_kind[kind_of_mentee.ravel()], taken[mask_of_mentor.ravel()].astype(np.uint64), n_classes


def _unique_rows(*columns: IntArray) -> tuple[IntArray, IntArray]:
    """(distinct rows as a 2-D array, row number of each input row) of small integer columns (>= -1)."""
    sizes = [int(column.max(initial=0)) + 2 for column in columns]
    keys, inverse = np.unique(pack([column + 1 for column in columns], sizes), return_inverse=True)
    rows = np.zeros((len(keys), len(columns)), np.int64)
    for k in range(len(columns) - 1, -1, -1):
        keys, rows[:, k] = np.divmod(keys, sizes[k])
    return rows - 1, inverse.ravel()


def _codes(term: str, mentee: dict[str, IntArray], mentor: dict[str, IntArray], w: Weights
           ) -> tuple[IntArray, IntArray, IntArray]:
    """(profile per mentee, wish per mentor, cost[profile, wish]) of one expectation term."""
    n_mentees, n_mentors = len(next(iter(mentee.values()))), len(next(iter(mentor.values())))
    if all((column < 0).all() for column in mentor.values()):  # nobody expects this: no cost, one code each
        return np.zeros(n_mentees, np.int64), np.zeros(n_mentors, np.int64), np.zeros((1, 1), np.int64)
    known, known_of_mentee = _unique_rows(*mentee.values())
    wished, wish_of_mentor = _unique_rows(*mentor.values())
    sides = SimpleNamespace(mentee_experience=np.full(len(known), UNKNOWN), mentee_qualification=np.full(
        len(known), UNKNOWN), mentor_expected_min=np.full(len(wished), UNKNOWN), mentor_expected_max=np.full(
        len(wished), UNKNOWN), mentor_expected_category=np.full(len(wished), UNKNOWN))
    for k, name in enumerate(mentee):
        setattr(sides, name, known[:, k])
    for k, name in enumerate(mentor):
        setattr(sides, name, wished[:, k])
    i, j = np.repeat(np.arange(len(known)), len(wished)), np.tile(np.arange(len(wished)), len(known))
    cost = expectation_terms(sides, i, j, w)[term].reshape(len(known), len(wished))
    profiles, profile_of_known = np.unique(cost, axis=0, return_inverse=True)
    wishes, wish_of_wished = np.unique(profiles.T, axis=0, return_inverse=True)
    return (profile_of_known.ravel()[known_of_mentee], wish_of_wished.ravel()[wish_of_mentor],
            np.ascontiguousarray(wishes.T, dtype=np.int64))


def mentee_fit(p: MatchingProblem, w: Weights) -> Fit:
    """The kind classes and expectation codes of a problem's mentees and mentors."""
    mentee_class, mentor_classes, n_classes = kind_classes(p.mentee_kind, p.mentor_kinds)
    experience = _codes("mentee_experience", {"mentee_experience": p.mentee_experience},
                        {"mentor_expected_min": p.mentor_expected_min, "mentor_expected_max": p.mentor_expected_max},
                        w)
    category = _codes("mentee_category", {"mentee_qualification": p.mentee_qualification},
                      {"mentor_expected_category": p.mentor_expected_category}, w)
    return Fit(mentee_class, mentor_classes, n_classes, *experience, *category)


def experience_routes(option: list[IntArray], offer: list[IntArray], fit: Fit
                      ) -> tuple[IntArray, IntArray, IntArray]:
    """(option row, experience wish, experience cost): an entry option reaches a hub per experience wish offered
    to its kind class at its slot (subject and direction) and place, any stage. `option` holds (kind class,
    experience profile, slot, place) per option, `offer` (kind class, experience wish, slot, place) per offer."""
    kind, profile, slot, place = option
    n_wishes = fit.n_experience_wishes
    if n_wishes == 1:
        rows = np.arange(len(kind))
        return rows, np.zeros(len(rows), np.int64), fit.experience_cost[profile, 0]
    offer_kind, offer_wish, offer_slot, offer_place = offer
    sizes = [fit.n_kind_classes, int(max(place.max(initial=0), offer_place.max(initial=0))) + 1,
             int(max(slot.max(initial=0), offer_slot.max(initial=0))) + 1]
    offered = np.unique(pack([offer_kind, offer_place, offer_slot], sizes) * n_wishes + offer_wish)
    row, at = join(pack([kind, place, slot], sizes), offered // n_wishes)
    wish = offered[at] % n_wishes
    return row, wish, fit.experience_cost[profile[row], wish]


def spread_steps(step_keys: IntArray, offers: IntArray, cost: IntArray, key_size: int
                 ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(step row, spread, category cost) of the arcs from hub steps to spreads, and the sorted spread keys.

    Step keys pack (tags, category profile, hub key), offer keys (tags, category wish, hub key), a hub key
    being `key_size` wide: a step reaches every offered spread of its tags and hub key, whatever the wish, at
    the cost of its profile against that wish."""
    n_profiles, n_wishes = cost.shape
    if n_profiles == n_wishes == 1:  # the keys of both sides are alike: a step reaches its own key
        spreads = np.intersect1d(step_keys, offers)
        reached = lookup(spreads, step_keys)
        step = np.flatnonzero(reached >= 0)
        return step, reached[step], np.full(len(step), cost[0, 0], np.int64), spreads
    profile = step_keys // key_size % n_profiles
    step_base = step_keys // (key_size * n_profiles) * key_size + step_keys % key_size
    candidates = np.unique(offers)
    wish = candidates // key_size % n_wishes
    candidate_base = candidates // (key_size * n_wishes) * key_size + candidates % key_size
    row, at = join(step_base, candidate_base)
    spreads, spread = np.unique(candidates[at], return_inverse=True)
    return row, spread.ravel(), cost[profile[row], wish[at]], spreads
