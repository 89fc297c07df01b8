"""The plain facts the indicators are computed from, the scope filter and the reporting period.

The reports service fills these from its projections of organization, mentor, mentee and pair events;
nothing here reads a database or a clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

ScopeKind = Literal["organization", "municipality", "region"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("organization", "municipality", "region")
YOUNG_SPECIALIST = "young_specialist"
ACTIVE = "active"


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
class Facts:
    """Everything the indicators read, for any number of organizations."""

    organizations: Sequence[OrganizationFacts] = ()
    mentors: Sequence[MentorFacts] = ()
    mentees: Sequence[MenteeFacts] = ()
    pairs: Sequence[PairFacts] = ()


@dataclass(frozen=True)
class Scope:
    """One organization, municipality or region; facts outside it are ignored."""

    kind: ScopeKind
    id: str

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"Неизвестный уровень отчёта «{self.kind}»: допустимы {', '.join(SCOPE_KINDS)}")

    def includes(self, organization_id: str, municipality_id: str, region_id: str) -> bool:
        """Whether a fact located in this organization, municipality and region belongs to the scope."""
        located = {"organization": organization_id, "municipality": municipality_id, "region": region_id}
        return located[self.kind] == self.id


@dataclass(frozen=True)
class Period:
    """A closed range of dates, both ends included (a year, a half-year, a school year)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"Начало периода {self.start} позже его конца {self.end}")

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def half_year(cls, year: int, half: Literal[1, 2]) -> Period:
        """January–June (half 1) or July–December (half 2)."""
        if half not in (1, 2):
            raise ValueError(f"Полугодие должно быть 1 или 2, а не {half}")
        first_month = 1 if half == 1 else 7
        last_month = first_month + 5
        return cls(date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1]))

    @classmethod
    def school_year(cls, first_year: int) -> Period:
        """September 1 of `first_year` to August 31 of the next year."""
        return cls(date(first_year, 9, 1), date(first_year + 1, 8, 31))

    def contains(self, moment: date | datetime | None) -> bool:
        """Whether the moment falls on a day of the period; an unknown moment never does."""
        return moment is not None and self.start <= day_of(moment) <= self.end

    def overlaps(self, since: date | datetime | None, until: date | datetime | None) -> bool:
        """Whether something that began at `since` and ended at `until` (None: still going) met the period."""
        if since is None or day_of(since) > self.end:
            return False
        return until is None or day_of(until) >= self.start


def day_of(moment: date | datetime) -> date:
    """The calendar day of a date or a datetime (a datetime's own, not converted, time zone)."""
    return moment.date() if isinstance(moment, datetime) else moment


def in_scope(scope: Scope | None, organization_id: str, municipality_id: str, region_id: str) -> bool:
    """Whether a location belongs to the scope; no scope means everything."""
    return scope is None or scope.includes(organization_id, municipality_id, region_id)
