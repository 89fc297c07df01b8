"""Indicator codes, Russian labels and targets (defaults from seed 000 and DESIGN, overridable per scope and year)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shared.scopes import Scope

ORGANIZATIONS_IMPLEMENTED = "organizations_implemented"
YOUNG_SPECIALISTS = "young_specialists_in_mentoring"
STUDENTS = "students_in_mentoring"
MENTORS_TRAINED = "mentors_trained"
ORGANIZATIONS_WITH_PAGE = "organizations_with_page"
COVERAGE = "coverage"
EFFECTIVE_PAIRS = "effective_pairs"
MENTOR_LOAD = "mentor_load"
UNMET_DEMAND = "unmet_demand"
DAYS_TO_PAIR = "days_to_pair"
CODES = (ORGANIZATIONS_IMPLEMENTED, YOUNG_SPECIALISTS, STUDENTS, MENTORS_TRAINED, ORGANIZATIONS_WITH_PAGE,
         COVERAGE, EFFECTIVE_PAIRS, MENTOR_LOAD, UNMET_DEMAND, DAYS_TO_PAIR)
TARGETABLE = frozenset(CODES) - {MENTOR_LOAD}
LABELS_RU: Mapping[str, str] = MappingProxyType({
    ORGANIZATIONS_IMPLEMENTED: "Доля образовательных организаций, внедривших целевую модель наставничества",
    YOUNG_SPECIALISTS: "Доля педагогов — молодых специалистов, вошедших в программы наставничества "
                       "в роли наставляемого",
    STUDENTS: "Доля обучающихся, вошедших в программы наставничества в роли наставляемого",
    MENTORS_TRAINED: "Доля наставников, прошедших обучение на курсах повышения квалификации",
    ORGANIZATIONS_WITH_PAGE: "Доля образовательных организаций с интернет-страницей по вопросам наставничества",
    COVERAGE: "Охват педагогов и обучающихся наставничеством",
    EFFECTIVE_PAIRS: "Доля результативных наставнических пар среди завершённых",
    MENTOR_LOAD: "Нагрузка наставников: наставляемых на одного наставника",
    UNMET_DEMAND: "Наставляемые без наставника",
    DAYS_TO_PAIR: "Срок от регистрации наставляемого до утверждения пары (медиана)",
})

DEFAULT_TARGETS: Mapping[str, float | None] = MappingProxyType({
    ORGANIZATIONS_IMPLEMENTED: 70.0,
    YOUNG_SPECIALISTS: 60.0,
    STUDENTS: 25.0,
    MENTORS_TRAINED: 50.0,
    ORGANIZATIONS_WITH_PAGE: 75.0,
    COVERAGE: 70.0,
    EFFECTIVE_PAIRS: None,
    UNMET_DEMAND: 0.0,
    DAYS_TO_PAIR: None,
})
SEED_002_ORGANIZATIONS_BY_YEAR: Mapping[int, float] = MappingProxyType({2021: 40.0, 2022: 60.0, 2023: 80.0,
                                                                        2024: 100.0})

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
    """Default targets plus the yearly share of organizations of the seed 002 municipal program (40→100 %)."""
    targets = Targets()
    for year, value in SEED_002_ORGANIZATIONS_BY_YEAR.items():
        targets = targets.with_target(ORGANIZATIONS_IMPLEMENTED, value, year=year)
    return targets
