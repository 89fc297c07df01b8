"""Why a mentee stayed unmatched, in words an operator can act on: no mentor at all, or all of them busy.

Vectorised over requests: mentees with the same request (place, subject or directions, stage, remote or not)
share the number of mentors passing the hard rules apart from capacity and exclusions. It is counted from
tables of mentors by place, remote, stage set and subject or direction set, never by a scan of all mentors
per request. Where exclusions (self, past declines) could empty that set, the excluded mentors of that
mentee are subtracted. The kind rule is counted apart (the tables again over the mentors taking each kind), so
that a mentee whom only the kind rule leaves without a mentor is told so.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt

from services.matching.domain.arrays import AnyArray, IntArray
from services.matching.domain.eligibility import (
    accepts_distance,
    covers_request,
    eligible_pairs,
    has_bit,
    stage_allowed,
)
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import KIND_LABELS, KINDS, LABELS, NO_SUBJECT, STAGES
from services.matching.domain.weights import Weights

ALL_BUSY = "все подходящие наставники заняты"
# columns of a request: region, municipality, subject, stage, directions (as int64), accepts distance, kind
REGION, MUNICIPALITY, SUBJECT, STAGE, DIRECTIONS, DISTANCE, KIND = range(7)
MENTOR_ARRAYS = ("mentor_region", "mentor_municipality", "mentor_stages", "mentor_formats", "mentor_subjects",
                 "mentor_directions")


class _MentorTables:
    """Mentors counted by (place, remote or not, stage set): the tables every request's count is read from."""

    def __init__(self, p: Any, requests: IntArray, weights: Weights) -> None:
        n = p.n_mentors
        places, place = np.unique(np.concatenate([np.stack([p.mentor_region, p.mentor_municipality], axis=1),
                                                  requests[:, :2]]), axis=0, return_inverse=True)
        place = place.ravel()
        self.request_place = place[n:]
        self.place_region = np.unique(places[:, 0], return_inverse=True)[1].ravel()
        self.n_places = len(places)
        stage_masks, mentor_stage = np.unique(p.mentor_stages, return_inverse=True)
        self.n_stages, self.n_masks = len(STAGES.names), len(stage_masks)
        stands_in = SimpleNamespace(mentee_stage=np.arange(self.n_stages), mentor_stages=stage_masks)
        allowed = stage_allowed(stands_in, np.repeat(np.arange(self.n_stages), self.n_masks),
                                np.tile(np.arange(self.n_masks), self.n_stages), weights)[0]
        self.allowed = allowed.reshape(self.n_stages, self.n_masks).T.astype(np.int64)  # (stage set, stage)
        remote = accepts_distance(p.mentor_formats).astype(np.int64)
        self.cell = (place[:n].astype(np.int64) * 2 + remote) * self.n_masks + mentor_stage.ravel()
        self.n_cells = self.n_places * 2 * self.n_masks

    def candidates(self, requests: IntArray, rows: IntArray, mentor_values: AnyArray, wanted_values: AnyArray,
                   by_subject: bool) -> IntArray:
        """Mentors passing the hard rules (capacity and exclusions aside) for these requests."""
        values, value = np.unique(mentor_values, return_inverse=True)
        wanted, want = np.unique(wanted_values, return_inverse=True)
        table = np.bincount(self.cell * len(values) + value.ravel(), minlength=self.n_cells * len(values))
        none, zero = np.full(len(wanted), NO_SUBJECT), np.zeros(len(values), dtype=np.uint64)
        sides = SimpleNamespace(mentee_subject=wanted if by_subject else none,
                                mentee_directions=np.zeros(len(wanted), np.uint64) if by_subject else wanted,
                                mentor_subjects=values if by_subject else zero,
                                mentor_directions=zero if by_subject else values)
        covers = covers_request(sides, np.tile(np.arange(len(wanted)), len(values)),
                                np.repeat(np.arange(len(values)), len(wanted)))
        by_cell = table.reshape(self.n_cells, len(values)) @ covers.reshape(len(values), len(wanted)).astype(np.int64)
        count = np.einsum("pdsw,st->pdtw", by_cell.reshape(self.n_places, 2, self.n_masks, len(wanted)),
                          self.allowed)
        remote_in_region = np.zeros((self.place_region.max() + 1, self.n_stages, len(wanted)), dtype=np.int64)
        np.add.at(remote_in_region, self.place_region, count[:, 1])
        place, stage, w, distance = self.request_place[rows], requests[rows, STAGE], want.ravel(), \
            requests[rows, DISTANCE]
        same_place = count[place, 0, stage, w] + count[place, 1, stage, w]
        result: IntArray = same_place + distance * (remote_in_region[self.place_region[place], stage, w]
                                                    - count[place, 1, stage, w])
        return result


def _ranges(sorted_values: IntArray, keys: IntArray) -> tuple[IntArray, IntArray]:
    """(key number, position in sorted_values) for every value equal to one of the keys."""
    low, high = np.searchsorted(sorted_values, keys, "left"), np.searchsorted(sorted_values, keys, "right")
    sizes = high - low
    at = np.repeat(low - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
    return np.repeat(np.arange(len(keys)), sizes), at


def _excluded(p: MatchingProblem, mentees: IntArray, weights: Weights) -> IntArray:
    """Per mentee, the mentors that pass the rules but are excluded (the same person, declined before)."""
    n = max(p.n_mentors, 1)
    by_mentee = np.argsort(p.declined_mentee, kind="stable")
    owner, at = _ranges(p.declined_mentee[by_mentee], mentees)
    by_person = np.argsort(p.mentor_person, kind="stable")
    same_owner, same_at = _ranges(p.mentor_person[by_person], p.mentee_person[mentees])
    declined_pairs = owner * n + p.declined_mentor[by_mentee][at]
    same_person_pairs = same_owner * n + by_person[same_at]
    pairs = np.unique(np.concatenate([declined_pairs, same_person_pairs]))
    owner, mentor = pairs // n, pairs % n
    excluded = eligible_pairs(p, mentees[owner], mentor, weights, ignore_capacity=True, ignore_exclusions=True)
    return np.bincount(owner[excluded], minlength=len(mentees))


def _request_text(problem: MatchingProblem, i: int) -> str:
    stage = LABELS[STAGES.names[int(problem.mentee_stage[i])]]
    subject = int(problem.mentee_subject[i])
    if subject != NO_SUBJECT:
        name = problem.subjects.names[subject]
        return f"по предмету «{LABELS.get(name, name)}» на уровне «{stage}»"
    wanted = ", ".join(LABELS.get(d, d) for d in problem.directions.decode(int(problem.mentee_directions[i])))
    return f"по направлению «{wanted}» на уровне «{stage}»"


def _candidates(p: Any, requests: IntArray, weights: Weights) -> IntArray:
    """Per request, the mentors of `p` passing the rules apart from capacity, exclusions and the kind."""
    per_request = np.zeros(len(requests), dtype=np.int64)
    if not p.n_mentors:
        return per_request
    tables = _MentorTables(p, requests, weights)
    by_subject = np.flatnonzero(requests[:, SUBJECT] != NO_SUBJECT)
    by_direction = np.flatnonzero(requests[:, SUBJECT] == NO_SUBJECT)
    if len(by_subject):
        per_request[by_subject] = tables.candidates(requests, by_subject, p.mentor_subjects,
                                                    requests[by_subject, SUBJECT], True)
    if len(by_direction):
        per_request[by_direction] = tables.candidates(requests, by_direction, p.mentor_directions,
                                                      requests[by_direction, DIRECTIONS].view(np.uint64), False)
    return per_request


def _taking_kind(p: MatchingProblem, requests: IntArray, weights: Weights, every_kind: IntArray) -> IntArray:
    """Per request, its candidates that also take mentees of its kind: counted once per kind, over the mentors
    taking that kind (all of them, when none lists kinds)."""
    per_request = every_kind.copy()
    for kind in np.unique(requests[:, KIND]).tolist():
        takes = (p.mentor_kinds == 0) | has_bit(p.mentor_kinds, np.full(p.n_mentors, kind))
        if takes.all():
            continue
        rows = np.flatnonzero(requests[:, KIND] == kind)
        mentors = SimpleNamespace(n_mentors=int(takes.sum()), **{a: getattr(p, a)[takes] for a in MENTOR_ARRAYS})
        per_request[rows] = _candidates(mentors, requests[rows], weights)
    return per_request


def _no_mentor_text(problem: MatchingProblem, i: int, kind_only: bool) -> str:
    text = f"нет наставника {_request_text(problem, i)} в районе"
    if not kind_only:
        return text
    kind = int(problem.mentee_kind[i])
    label = KIND_LABELS[KINDS.names[kind]] if kind >= 0 else "без указанного вида"
    return f"{text}, который берёт наставляемых этого вида («{label}»)"


def unmatched_reasons(problem: MatchingProblem, mentee_indices: Sequence[int] | npt.NDArray[np.int64],
                      weights: Weights = Weights()) -> list[str]:
    """An operator-actionable Russian reason per unmatched mentee: no mentor at all, none taking mentees of its
    kind, or all of them busy."""
    p = problem
    idx = np.asarray(mentee_indices, dtype=np.int64)
    if not len(idx):
        return []
    subject, directions = p.mentee_subject[idx], p.mentee_directions[idx]
    requests, key = np.unique(np.stack([p.mentee_region[idx], p.mentee_municipality[idx], subject, p.mentee_stage[idx],
                                        directions.view(np.int64), accepts_distance(p.mentee_formats[idx])
                                        .astype(np.int64), p.mentee_kind[idx]], axis=1), axis=0, return_inverse=True)
    key = key.ravel()
    every_kind = _candidates(p, requests, weights)
    per_request = _taking_kind(p, requests, weights, every_kind)
    count = per_request[key]
    declined = np.bincount(p.declined_mentee, minlength=p.n_mentees)[idx]
    check = np.flatnonzero((count >= 1) & (count <= 1 + declined))  # exclusions might leave no mentor at all
    if len(check):
        count[check] -= _excluded(p, idx[check], weights)
    busy = ((subject >= 0) | (directions != 0)) & (count > 0)
    kind_only = (per_request == 0) & (every_kind > 0)
    texts: dict[int, str] = {}
    reasons = []
    for i, k, is_busy in zip(idx.tolist(), key.tolist(), busy.tolist(), strict=True):
        if is_busy:
            reasons.append(ALL_BUSY)
        else:
            text = texts.get(k)
            if text is None:
                text = texts[k] = _no_mentor_text(p, i, bool(kind_only[k]))
            reasons.append(text)
    return reasons


def unmatched_reason(problem: MatchingProblem, mentee_index: int, weights: Weights = Weights()) -> str:
    """The reason one mentee stayed unmatched."""
    return unmatched_reasons(problem, [mentee_index], weights)[0]
