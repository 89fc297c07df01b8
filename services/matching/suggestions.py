"""Explained suggestions for one mentee, answered from an in-process cache of the region's mentor arrays.

The cache is rebuilt only when the read model (mentor changes) or the pairs (load) moved on, which the
`matching_clock` row tells in one primary-key read.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, select

from services.matching import domain
from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, ReadModelClock
from services.matching.costs import NO_SUBJECT, Weights
from services.matching.problem import (
    MENTEE_COLUMNS,
    MENTOR_COLUMNS,
    Codes,
    _columns,
    _select,
    build_problem,
    columns_of,
    open_load,
)
from shared.errors import NotFound


@dataclass
class RegionMentors:
    seq: tuple[int, int]
    mentors: dict[str, list[Any]]
    index: dict[str, int]
    codes: Codes
    base: domain.MatchingProblem
    by_subject: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)

    def candidates(self, problem: domain.MatchingProblem) -> np.ndarray:
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


class SuggestionCache:
    """Mentor arrays per region, shared by the requests of one process."""

    def __init__(self) -> None:
        self._regions: dict[str, RegionMentors] = {}
        self._lock = threading.Lock()

    def region(self, session: Session, region_id: str) -> RegionMentors:
        clock = session.get(ReadModelClock, 1)
        seq = (clock.mentor_seq, clock.pair_seq) if clock else (0, 0)
        with self._lock:
            cached = self._regions.get(region_id)
            if cached is not None and cached.seq == seq:
                return cached
            if cached is not None and cached.seq[0] == seq[0]:
                return self._refresh_load(session, region_id, cached, seq)
            rows = session.execute(_select(MentorView, MENTOR_COLUMNS).where(
                MentorView.region_id == region_id, MentorView.status == "active")).all()
            mentors = _columns(rows, MENTOR_COLUMNS)
            codes = Codes()
            empty = {name: [] for name in MENTEE_COLUMNS}
            base = build_problem(mentors, empty, open_load(session), [], codes)
            cached = RegionMentors(seq, mentors, {m: j for j, m in enumerate(mentors["id"])}, codes, base)
            self._regions[region_id] = cached
            return cached

    def _refresh_load(self, session: Session, region_id: str, cached: RegionMentors,
                      seq: tuple[int, int]) -> RegionMentors:
        """Only pairs changed: recount the mentors' load instead of reloading and re-encoding every mentor."""
        load = open_load(session)
        current = np.fromiter((load.get(m, 0) for m in cached.mentors["id"]), dtype=np.int64,
                              count=len(cached.mentors["id"]))
        capacity = np.asarray(cached.mentors["capacity"], dtype=np.int64)
        base = dataclasses.replace(cached.base, mentor_load=current, mentor_free=np.maximum(capacity - current, 0))
        refreshed = dataclasses.replace(cached, seq=seq, base=base)  # the same mentors: by_subject still holds
        self._regions[region_id] = refreshed
        return refreshed


def problem_for(region: RegionMentors, mentee: MenteeView, declined: list[str]) -> domain.MatchingProblem:
    """The region's mentors plus this one mentee, with its preferences and past declines."""
    empty = {name: [] for name in MENTOR_COLUMNS}
    single = build_problem(empty, columns_of([mentee], MENTEE_COLUMNS), {}, [], region.codes)
    mentee_fields = {f.name: getattr(single, f.name) for f in dataclasses.fields(single)
                     if f.name.startswith("mentee_")}
    preferred = [region.index[m] for m in mentee.preferred_mentor_ids if m in region.index]
    declined_idx = [region.index[d] for d in declined if d in region.index]
    return dataclasses.replace(
        region.base, **mentee_fields,
        preference_mentee=np.zeros(len(preferred), np.int64), preference_mentor=np.array(preferred, np.int64),
        declined_mentee=np.zeros(len(declined_idx), np.int64), declined_mentor=np.array(declined_idx, np.int64))


def suggestions(session: Session, cache: SuggestionCache, mentee_id: str, limit: int,
                weights: Weights) -> dict[str, Any]:
    """The `limit` best mentors for a mentee, each with its cost terms in Russian and its free load."""
    mentee = session.get(MenteeView, mentee_id)
    if mentee is None:
        raise NotFound(f"Наставляемый {mentee_id} не найден в сервисе подбора")
    region = cache.region(session, mentee.region_id)
    declined = list(session.exec(select(Pair.mentor_id).where(Pair.mentee_id == mentee_id,
                                                              Pair.state == "declined")).all())
    problem = problem_for(region, mentee, declined)
    ranked = domain.suggest(problem, 0, limit, weights, region.candidates(problem)) if problem.n_mentors else []
    m = region.mentors
    orgs = {o.id: o for o in session.exec(select(OrganizationView).where(OrganizationView.id.in_(
        {m["organization_id"][s.mentor_index] for s in ranked}))).all()}
    items = []
    for rank, s in enumerate(ranked, start=1):
        j = s.mentor_index
        org = orgs.get(m["organization_id"][j])
        items.append({
            "rank": rank, "mentor_id": m["id"][j], "full_name": m["full_name"][j],
            "organization_id": m["organization_id"][j], "organization_name": org.name if org else "",
            "municipality_name": org.municipality_name if org else "",
            "subjects": [c for c in m["subjects"][j].split("|") if c],
            "stages": [c for c in m["stages"][j].split("|") if c], "capacity": m["capacity"][j],
            "free_load": int(problem.mentor_free[s.mentor_index]), "cost": s.cost,
            "terms": [{"name": t.name, "label": t.label_ru, "value": t.value} for t in s.terms],
        })
    return {"mentee_id": mentee.id, "full_name": mentee.full_name, "items": items, "weights": weights.as_dict()}
