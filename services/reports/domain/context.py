"""The view of the facts a formula reads: one scope, one period (or now), the targets and the time stamp.

Pair states: in mentoring = confirmed or active; covered = also completed; ended = completed or terminated;
open = proposed, confirmed or active (what occupies a mentor's capacity and satisfies a mentee's demand).
Declined, expired and withdrawn (an operator took back a run's proposals) are closed and never confirmed: they
belong to none of these sets, so such a pair counts nowhere and its mentee's demand is unmet again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.reports.domain.catalog import DAYS_TO_PAIR, SPECS_BY_CODE, UNMET_DEMAND
from services.reports.domain.facts import (
    ACTIVE,
    Facts,
    MenteeFacts,
    MentorFacts,
    OrganizationFacts,
    PairFacts,
    in_scope,
)
from services.reports.domain.period import Period
from services.reports.domain.results import Indicator
from services.reports.domain.targets import LABELS_RU, Targets
from shared.scopes import Scope

IN_MENTORING = frozenset({"confirmed", "active"})
COVERED = frozenset({"confirmed", "active", "completed"})
PASSED_CONFIRMATION = frozenset({"confirmed", "active", "completed", "terminated"})
ENDED = frozenset({"completed", "terminated"})
OPEN = frozenset({"proposed", "confirmed", "active"})
EFFECTIVE_RESULT = "reached"
LOWER_IS_BETTER = frozenset({UNMET_DEMAND, DAYS_TO_PAIR})
PERCENT, PEOPLE, DAYS, UNITS = "%", "чел.", "дн.", "ед."


@dataclass(frozen=True)
class Context:
    """The facts of one scope and period as the formulas read them, with the targets and the stamp."""

    facts: Facts
    scope: Scope | None
    period: Period | None
    targets: Targets
    as_of: datetime

    @property
    def day(self) -> date:
        """The day the figures are for: the period's last day, else the day of `as_of`."""
        return self.period.end if self.period else self.as_of.date()

    def target(self, code: str, scope: Scope | None = None) -> float | None:
        return self.targets.target(code, scope or self.scope, self.day.year)

    def organizations(self) -> list[OrganizationFacts]:
        return [o for o in self.facts.organizations
                if o.status == ACTIVE and in_scope(self.scope, o.id, o.municipality_id, o.region_id)]

    def mentors(self) -> list[MentorFacts]:
        return [m for m in self.facts.mentors
                if m.status == ACTIVE and in_scope(self.scope, m.organization_id, m.municipality_id, m.region_id)]

    def mentees(self, active_only: bool = True) -> list[MenteeFacts]:
        return [m for m in self.facts.mentees if (m.status == ACTIVE or not active_only)
                and in_scope(self.scope, m.organization_id, m.municipality_id, m.region_id)]

    def pairs(self) -> list[PairFacts]:
        return [p for p in self.facts.pairs
                if in_scope(self.scope, p.organization_id, p.municipality_id, p.region_id)]

    def in_mentoring(self, pair: PairFacts, now_states: frozenset[str] = IN_MENTORING) -> bool:
        if self.period is None:
            return pair.state in now_states
        return pair.state in PASSED_CONFIRMATION and self.period.overlaps(pair.confirmed_at, pair.ended_at)

    def indicator(self, code: str, value: float | None, numerator: int | None, denominator: int | None,
                  unit: str, details: Mapping[str, Any] | None = None) -> Indicator:
        return self.measured(code, value, numerator, denominator, unit, self.target(code), details)

    def measured(self, code: str, value: float | None, numerator: int | None, denominator: int | None, unit: str,
                 target: float | None, details: Mapping[str, Any] | None = None,
                 met: bool | None = None) -> Indicator:
        """An indicator against an explicit target (`met` computed unless given), with its № and deadline."""
        spec = SPECS_BY_CODE[code]
        return Indicator(code, LABELS_RU[code], value, numerator, denominator, unit, target,
                         _met(code, value, target) if met is None else met, self.as_of, self.period, details or {},
                         spec.number, spec.deadline_ru)

    def ratio(self, code: str, numerator: int, denominator: int, details: Mapping[str, Any] | None = None,
              target: float | None = None) -> Indicator:
        """100 × numerator / denominator (None for an empty denominator) against the target (default: the code's)."""
        value = None if denominator == 0 else 100 * numerator / denominator
        return self.measured(code, value, numerator, denominator, PERCENT,
                             self.target(code) if target is None else target, details)


def _met(code: str, value: float | None, target: float | None) -> bool | None:
    if value is None or target is None:
        return None
    return value <= target if code in LOWER_IS_BETTER else value >= target
