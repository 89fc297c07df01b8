"""Every indicator the reports know: its code, the number and the words of seed 000's table of 13, its default
target and deadline, and where its value comes from.

Seed 000 («Целевые показатели развития муниципальной программы наставничества») lists 13 indicators: the shares
1, 2, 3, 6 and 13 are computed from the events; rows 4, 5, 7, 8, 9, 10, 11 and 12 are municipal facts that an
operator records with evidence (see `municipal`). The indicators after the 13 come from DESIGN and seed 003.
Seed 002 (the municipal program of ЗАТО Северск, 2021–2024) plans some of them year by year: `plan` keeps that
plan (year → value); it becomes the target only when the seed 002 targets are chosen (`targets.seed_002_targets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Source = Literal["data", "flag", "count", "organizations"]

ORGANIZATIONS_IMPLEMENTED = "organizations_implemented"
STUDENTS = "students_in_mentoring"
YOUNG_SPECIALISTS = "young_specialists_in_mentoring"
METHODICAL_CENTRE = "methodical_centre"
AUTHORITY_PAGE = "authority_page"
ORGANIZATIONS_WITH_PAGE = "organizations_with_page"
BEST_PRACTICES_BANK = "best_practices_bank"
INTERACTIVE_BANK = "interactive_bank"
MUNICIPAL_EVENT = "municipal_event"
BASE_ORGANIZATIONS = "base_organizations"
TRAINING_PROGRAMS = "training_programs"
RESOURCE_CENTRE_SECTIONS = "resource_centre_sections"
MENTORS_TRAINED = "mentors_trained"
COVERAGE = "coverage"
EFFECTIVE_PAIRS = "effective_pairs"
RETENTION = "young_specialists_retained"
MENTOR_LOAD = "mentor_load"
UNMET_DEMAND = "unmet_demand"
DAYS_TO_PAIR = "days_to_pair"

KEEP = "Июнь 2023, далее – сохранение показателя на уровне не ниже минимального значения"
FIRST_YEAR = "Первый год реализации ЦМН"
ONCE_A_YEAR = "Июнь 2023, далее – сохранение показателя на уровне не реже одного раза в год"
EVERY_YEAR = "Ежегодно, начиная с первого года внедрения ЦМН"


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: № of seed 000 (None: not in its table), Russian name, default target, deadline, source.

    `yearly`: only what happened in the year of the period counts (rows 9 and 11).
    """

    code: str
    label_ru: str
    target: float | None
    deadline_ru: str | None = None
    number: int | None = None
    source: Source = "data"
    yearly: bool = False
    plan: Mapping[int, float] = field(default_factory=dict)


SPECS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(ORGANIZATIONS_IMPLEMENTED, "Доля муниципальных образовательных организаций, внедривших ЦМН",
                  70.0, KEEP, 1, plan={2021: 40.0, 2022: 60.0, 2023: 80.0, 2024: 100.0}),
    IndicatorSpec(STUDENTS, "Доля обучающихся от общего количества обучающихся в ОО муниципалитета, вошедших "
                            "в наставнические программы в роли наставляемого", 25.0, KEEP, 2),
    IndicatorSpec(YOUNG_SPECIALISTS, "Доля педагогов-молодых специалистов, вошедших в наставнические программы "
                                     "в роли наставляемого", 60.0, KEEP, 3),
    IndicatorSpec(METHODICAL_CENTRE, "Создание муниципального методического центра (координационного совета) "
                                     "по наставничеству в муниципалитете", 1.0, FIRST_YEAR, 4, "flag"),
    IndicatorSpec(AUTHORITY_PAGE, "Открытие интернет-страницы на сайте ОУО по вопросам наставничества", 1.0,
                  FIRST_YEAR, 5, "flag", plan={2021: 1.0, 2022: 1.0}),
    IndicatorSpec(ORGANIZATIONS_WITH_PAGE, "Открытие интернет-страниц на сайтах ОО по вопросам наставничества. "
                                           "Регулярное пополнение", 75.0, KEEP, 6,
                  plan={2022: 100.0, 2023: 100.0, 2024: 100.0}),
    IndicatorSpec(BEST_PRACTICES_BANK, "Создание муниципальной интернет-площадки для объединения лучших "
                                       "наставнических практик (Банк лучших практик)", 1.0, KEEP, 7, "flag"),
    IndicatorSpec(INTERACTIVE_BANK, "Создание муниципального интерактивного Банка наставников", 1.0, KEEP, 8,
                  "flag", plan={2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 1.0}),
    IndicatorSpec(MUNICIPAL_EVENT, "Проведение муниципального мероприятия для популяризации наставничества "
                                   "и представления лучших наставнических практик", 1.0, ONCE_A_YEAR, 9, "flag",
                  yearly=True, plan={2022: 1.0, 2023: 1.0, 2024: 1.0}),
    IndicatorSpec(BASE_ORGANIZATIONS, "Определение опорных/базовых образовательных организаций по вопросам "
                                      "реализации ЦМН", 1.0, KEEP, 10, "flag"),
    IndicatorSpec(TRAINING_PROGRAMS, "Количество разработанных и внедряемых программ по подготовке наставников, "
                                     "включая занятия в дистанционном формате", 2.0, EVERY_YEAR, 11, "count",
                  yearly=True),
    IndicatorSpec(RESOURCE_CENTRE_SECTIONS, "Доля образовательных организаций, создавших на своих информационных "
                                            "интернет-ресурсах раздел «Ресурсный центр наставнических практик», "
                                            "от общего числа образовательных организаций", 50.0, KEEP, 12,
                  "organizations"),
    IndicatorSpec(MENTORS_TRAINED, "Доля кураторов наставнической деятельности, наставников, прошедших обучение "
                                   "на курсах повышения квалификации", 50.0, KEEP, 13),
    IndicatorSpec(COVERAGE, "Охват педагогов и обучающихся наставничеством", 70.0),
    IndicatorSpec(EFFECTIVE_PAIRS, "Доля результативных наставнических пар среди завершённых", None),
    IndicatorSpec(RETENTION, "Доля молодых специалистов, продолжающих работу через год после включения в базу "
                             "наставляемых", None),
    IndicatorSpec(MENTOR_LOAD, "Нагрузка наставников: наставляемых на одного наставника", None),
    IndicatorSpec(UNMET_DEMAND, "Наставляемые без наставника", 0.0),
    IndicatorSpec(DAYS_TO_PAIR, "Срок от регистрации наставляемого до утверждения пары (медиана)", None),
)
SPECS_BY_CODE: Mapping[str, IndicatorSpec] = MappingProxyType({s.code: s for s in SPECS})
FACT_CODES = tuple(s.code for s in SPECS if s.source != "data")
