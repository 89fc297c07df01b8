"""An in-process cache of each region's mentor arrays, for answering suggestions without reloading the region.

The cache is rebuilt only when the read model (mentor changes) or the pairs (load) moved on, which the
`matching_clock` row tells in one primary-key read.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from services.matching.adapters.problem_columns import Columns
from services.matching.adapters.problem_encoding import MENTEE_COLUMNS, MENTOR_COLUMNS, Codes, encode_problem
from services.matching.adapters.problem_loading import load_problem, open_load
from services.matching.adapters.tables import ReadModelClock
from services.matching.domain.arrays import IntArray
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import NO_SUBJECT

EMPTY_MENTORS: Columns = {name: [] for name in MENTOR_COLUMNS}
MENTEE_FIELDS = tuple(f.name for f in dataclasses.fields(MatchingProblem) if f.name.startswith("mentee_"))


@dataclass
class RegionMentors:
    """The active mentors of a region as arrays (`base`, without mentees) and as columns, at a clock reading."""

    seq: tuple[int, int]  # (mentor changes, pair changes) when loaded
    mentors: Columns
    index: dict[str, int]  # mentor id → index
    codes: Codes
    base: MatchingProblem
    by_subject: dict[int, IntArray] = dataclasses.field(default_factory=dict)

    def candidates(self, problem: Any) -> IntArray:
        """Mentors who could serve the problem's one mentee by subject or direction: eligibility is checked on
        these only (a tenth of the region or less), not on every mentor."""
        subject = int(problem.mentee_subject[0])
        if subject == NO_SUBJECT:
            return np.flatnonzero((self.base.mentor_directions & problem.mentee_directions[0]) != 0)
        found = self.by_subject.get(subject)
        if found is None:
            found = np.flatnonzero((self.base.mentor_subjects >> np.uint64(subject)) & np.uint64(1))
            self.by_subject[subject] = found
        return found

    def with_mentee(self, mentee: dict[str, Any], declined: list[str]) -> MatchingProblem:
        """The region's mentors plus this one mentee (its `MENTEE_COLUMNS` as stored, code lists as `|a|b|` text),
        with its preferences and past declines."""
        single = encode_problem(EMPTY_MENTORS, {name: [mentee[name]] for name in MENTEE_COLUMNS}, {}, [], self.codes)
        mentee_arrays = {name: getattr(single, name) for name in MENTEE_FIELDS}
        listed = mentee["preferred_mentor_ids"] or ""
        preferred = [self.index[m] for m in listed.split("|") if m in self.index]
        refused = [self.index[d] for d in declined if d in self.index]
        return dataclasses.replace(
            self.base, **mentee_arrays,
            preference_mentee=np.zeros(len(preferred), np.int64), preference_mentor=np.array(preferred, np.int64),
            declined_mentee=np.zeros(len(refused), np.int64), declined_mentor=np.array(refused, np.int64))


class SuggestionCache:
    """Mentor arrays per region, shared by the requests of one process."""

    def __init__(self) -> None:
        self._regions: dict[str, RegionMentors] = {}
        self._lock = threading.Lock()
        self._clock = select(ReadModelClock.mentor_seq, ReadModelClock.pair_seq).where(ReadModelClock.id == 1)

    def region(self, session: Session, region_id: str) -> RegionMentors:
        """The region's mentors, reloaded when mentors changed, their load recounted when only pairs did."""
        clock = session.connection().execute(self._clock).first()
        seq = (clock[0], clock[1]) if clock else (0, 0)
        with self._lock:
            cached = self._regions.get(region_id)
            if cached is not None and cached.seq == seq:
                return cached
            if cached is not None and cached.seq[0] == seq[0]:
                return self._refresh_load(session, region_id, cached, seq)
            loaded = load_problem(session, region_id, None)
            mentors = loaded.mentors
            cached = RegionMentors(seq, mentors, {m: j for j, m in enumerate(mentors["id"])}, loaded.codes,
                                   loaded.problem)
            self._regions[region_id] = cached
            return cached

    def _refresh_load(self, session: Session, region_id: str, cached: RegionMentors,
                      seq: tuple[int, int]) -> RegionMentors:
        """Only pairs changed: recount the mentors' load instead of reloading and re-encoding every mentor."""
        load = open_load(session, region_id=region_id)
        current = np.fromiter((load.get(m, 0) for m in cached.mentors["id"]), dtype=np.int64,
                              count=len(cached.mentors["id"]))
        capacity = np.asarray(cached.mentors["capacity"], dtype=np.int64)
        base = dataclasses.replace(cached.base, mentor_load=current, mentor_free=np.maximum(capacity - current, 0))
        refreshed = dataclasses.replace(cached, seq=seq, base=base)  # the same mentors: by_subject still holds
        self._regions[region_id] = refreshed
        return refreshed
