"""The plain facts the indicators are computed from, and whether a fact lies inside a scope.

The reports service fills these from its projections of organization, mentor, mentee and pair events;
nothing here reads a database or a clock. The scope itself is `shared.scopes.Scope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shared.scopes import Scope

YOUNG_SPECIALIST = "young_specialist"
ACTIVE = "active"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class OrganizationFacts:
    """An organization (ОО) with the headcounts used as denominators."""

    id: str
    municipality_id: str
    region_id: str
    teachers: int = 0
    young_specialists: int = 0
    students: int = 0
    has_mentoring_page: bool = False
    status: str = ACTIVE
    has_curator: bool = False
    curator_trained: bool = False
    curator_trained_on: date | None = None


@dataclass(frozen=True)
class MentorFacts:
    """A bank entry: where the mentor works, whether trained, how many mentees at once."""

    id: str
    organization_id: str
    municipality_id: str
    region_id: str
    trained: bool = False
    capacity: int = 1
    status: str = ACTIVE
    trained_on: date | None = None
    registered_at: datetime | None = None


@dataclass(frozen=True)
class MenteeFacts:
    """A mentee with the request the matching works on."""

    id: str
    organization_id: str
    municipality_id: str
    region_id: str
    category: str
    is_student: bool = False
    subject: str | None = None
    stage: str | None = None
    registered_at: datetime | None = None
    status: str = ACTIVE


@dataclass(frozen=True)
class PairFacts:
    """A pair as it is now; its location is the mentee's organization."""

    id: str
    mentor_id: str
    mentee_id: str
    organization_id: str
    municipality_id: str
    region_id: str
    mentee_category: str
    state: str
    mentee_is_student: bool = False
    mentee_subject: str | None = None
    mentee_stage: str | None = None
    result: str | None = None
    proposed_at: datetime | None = None
    confirmed_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class MunicipalFact:
    """One record of a municipal fact (seed 000 rows 4, 5, 7–12): its value on a day, with its evidence.

    `value` is 1 or 0 for a yes/no fact, else a count; history is kept, the latest record by
    (`recorded_on`, `id`) up to the day asked for wins.
    """

    id: int
    code: str
    municipality_id: str
    region_id: str
    value: float
    recorded_on: date
    evidence_url: str | None = None
    evidence_name: str | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the indicators read, for any number of organizations."""

    organizations: Sequence[OrganizationFacts] = ()
    mentors: Sequence[MentorFacts] = ()
    mentees: Sequence[MenteeFacts] = ()
    pairs: Sequence[PairFacts] = ()
    municipal: Sequence[MunicipalFact] = ()


def in_scope(scope: Scope | None, organization_id: str, municipality_id: str, region_id: str) -> bool:
    """Whether a location belongs to the scope; no scope means everything."""
    return scope is None or scope.includes(organization_id, municipality_id, region_id)
