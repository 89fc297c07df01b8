"""Indicator codes, Russian labels and targets (defaults from seed 000 and DESIGN, overridable per scope and year)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from services.reports.domain.catalog import (  # noqa: F401 - the codes are read from here by older callers
    AUTHORITY_PAGE,
    BASE_ORGANIZATIONS,
    BEST_PRACTICES_BANK,
    COVERAGE,
    DAYS_TO_PAIR,
    EFFECTIVE_PAIRS,
    INTERACTIVE_BANK,
    MENTOR_LOAD,
    MENTORS_TRAINED,
    METHODICAL_CENTRE,
    MUNICIPAL_EVENT,
    ORGANIZATIONS_IMPLEMENTED,
    ORGANIZATIONS_WITH_PAGE,
    RESOURCE_CENTRE_SECTIONS,
    RETENTION,
    SPECS,
    SPECS_BY_CODE,
    STUDENTS,
    TRAINING_PROGRAMS,
    UNMET_DEMAND,
    YOUNG_SPECIALISTS,
)
from shared.scopes import Scope

CODES = tuple(s.code for s in SPECS)
TARGETABLE = frozenset(CODES) - {MENTOR_LOAD}
LABELS_RU: Mapping[str, str] = MappingProxyType({s.code: s.label_ru for s in SPECS})
DEFAULT_TARGETS: Mapping[str, float | None] = MappingProxyType({s.code: s.target for s in SPECS
                                                                if s.code in TARGETABLE})
SEED_002_ORGANIZATIONS_BY_YEAR: Mapping[int, float] = SPECS_BY_CODE[ORGANIZATIONS_IMPLEMENTED].plan

TargetKey = tuple[str, Scope | None, int | None]


@dataclass(frozen=True)
class Targets:
    """Defaults per indicator code plus overrides keyed by (code, scope or None, year or None)."""

    defaults: Mapping[str, float | None] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    overrides: Mapping[TargetKey, float | None] = field(default_factory=dict)

    def target(self, code: str, scope: Scope | None, year: int) -> float | None:
        """The most specific target: this scope and year, this scope, this year, then the default."""
        for key in ((code, scope, year), (code, scope, None), (code, None, year)):
            if key in self.overrides:
                return self.overrides[key]
        return self.defaults.get(code)

    def scoped(self, code: str, scope: Scope, year: int) -> float | None:
        """A target set for exactly this scope (this year, then every year), else None."""
        for key in ((code, scope, year), (code, scope, None)):
            if key in self.overrides:
                return self.overrides[key]
        return None

    def with_target(self, code: str, value: float | None, scope: Scope | None = None,
                    year: int | None = None) -> Targets:
        """A copy with one more override; None as value means "no target"."""
        if code not in TARGETABLE:
            allowed = ", ".join(sorted(TARGETABLE))
            raise ValueError(f"У показателя «{code}» нет настраиваемой цели; допустимы: {allowed}")
        if value is not None and value < 0:
            raise ValueError(f"Цель показателя «{code}» не может быть отрицательной: {value}")
        return Targets(self.defaults, {**self.overrides, (code, scope, year): value})


def seed_002_targets() -> Targets:
    """Default targets plus the yearly plan of the seed 002 municipal program (organizations 40→100 %, pages of
    every organization from 2022, the authority's page, the interactive bank, a conference every year)."""
    targets = Targets()
    for spec in SPECS:
        for year, value in spec.plan.items():
            targets = targets.with_target(spec.code, value, year=year)
    return targets
