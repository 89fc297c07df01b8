"""The municipal effectiveness self-assessment of seed 000: ten criteria, 0–2 points each, three bands.

17–20 points: high effectiveness; 12–16: medium; below 12: low. A missing criterion scores 0 and is
listed in `missing`, so a partly filled form still gets a (provisional) band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Band = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Criterion:
    """One criterion of the self-assessment with what shows it and how it is measured (seed 000)."""

    code: str
    number: int
    label_ru: str
    evidence_ru: str
    instruments_ru: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("normative_documents", 1,
              "Наличие муниципальных нормативных правовых документов, обеспечивающих поддержку и профессиональный "
              "рост молодых педагогов в первые три года",
              "Положение о наставничестве, работе с молодыми педагогами; муниципальный проект «Школа молодого учителя»",
              "Мониторинг (чел./%): сколько молодых учителей принято в ОО за последние 3 года; % оставшихся работать "
              "в ОО. Тестирование молодых учителей"),
    Criterion("methodical_recommendations", 2,
              "Наличие муниципальных методических рекомендаций по оказанию помощи и поддержки работы молодых педагогов",
              "Актуальность, практико-ориентированность",
              "Тестирование руководителей ОО, молодых специалистов, наставников с целью выявления значимости "
              "и использования методрекомендаций"),
    Criterion("information_resource", 3,
              "Наличие информационного ресурса, обеспечивающего реализацию механизма помощи и поддержки молодых "
              "педагогов",
              "Электронная база данных; электронные версии СМИ; ресурсы сетевых корпоративных сообществ",
              "Анализ использования информационных ресурсов на муниципальном уровне, на уровне ОО"),
    Criterion("support_system", 4,
              "Система поддержки педработников в первые 3 года практической деятельности, в том числе в форме "
              "«горизонтального» повышения квалификации и в форме наставничества. Проведение обучающих мероприятий "
              "с привлечением действующих наставников",
              "Работа в парах, коучинг, рефлексивное наблюдение и активная практика, обучение на практических "
              "примерах и ситуациях, площадки профессионального общения, мастер-классы, проектирование",
              "Анализ с учётом ориентации на личность учителя, паритетности, динамичности, осознанной перспективы, "
              "повышения мотивации"),
    Criterion("young_teacher_communities", 5,
              "Создание сообществ молодых педагогов, их поддержка, в том числе через организацию наставничества",
              "Количество клубов молодых учителей в ОО, в районе; формы мотивации развития наставничества; формы "
              "изучения и трансляции лучшего опыта наставничества",
              "Анализ: количество клубов (было — стало за истекший год); сколько молодых учителей имеют наставников, "
              "%; творческие классы мастеров-наставников; формы поощрения наставников"),
    Criterion("best_practices", 6,
              "Трансляция лучших практик наставничества молодых и малоопытных педагогов в муниципальной "
              "образовательной системе",
              "Открытые мастер-классы и слёт молодых учителей с участием наставников; зимние (летние) школы; участие "
              "в конкурсах профессионального мастерства; печатные работы молодых учителей",
              "Анализ (количественный и качественный) за истекший учебный год: сколько проведено, сколько "
              "участвовало, выявленные тенденции, проблемы, перспективы"),
    Criterion("community_events", 7,
              "Организация и проведение мероприятий, направленных на формирование и поддержку сообщества молодых "
              "педагогов, развитие форм наставничества в муниципальной образовательной системе с привлечением "
              "руководителей и заместителей руководителей ОО и педагогических работников",
              "Количество наставников-руководителей; работа с молодыми учителями на августовских педсоветах и "
              "в самоотчётах руководителей ОО; муниципальные формы повышения квалификации руководителей",
              "Анализ (количественный и качественный) за истекший учебный год: сколько проведено, сколько "
              "участвовало, выявленные тенденции, проблемы, перспективы"),
    Criterion("professional_community_site", 8,
              "Создание интернет-ресурса развития муниципального профессионального обучающегося сообщества для обмена "
              "практиками развития системы наставничества (в том числе социальных сетей)",
              "Наличие и использование на муниципальном уровне и уровне ОО интернет-ресурса",
              "Качественный и количественный анализ используемых интернет-ресурсов: сколько, какие, тенденции "
              "и перспективы"),
    Criterion("higher_education_cooperation", 9,
              "Осуществление взаимодействия с организациями высшего и дополнительного профессионального образования "
              "по вопросам педагогического и научно-методического сопровождения профессионального развития "
              "(становления) молодого педагога",
              "Договоры сотрудничества; совместные проекты; совместное проведение слётов, НПК; научное руководство "
              "деятельностью наставников",
              "Анализ (количественный и качественный) за истекший год: сколько проведено, сколько участвовало, "
              "выявленные тенденции, проблемы, перспективы"),
    Criterion("field_seminar", 10,
              "Проведение не менее одного обучающего выездного семинара с участием наставников, имеющих "
              "положительный опыт, и молодых специалистов",
              "Тема выездного мероприятия, программа работы, количество участников, место проведения",
              "Качественный анализ проведённого мероприятия: актуальность темы, цели, отзывы участников"),
)
CRITERIA_BY_CODE: Mapping[str, Criterion] = MappingProxyType({c.code: c for c in CRITERIA})
SCORE_LABELS_RU: Mapping[int, str] = MappingProxyType({
    2: "Соответствует обоснованной системе",
    1: "Соответствует частично",
    0: "Не соответствует обоснованной системе",
})
MAX_TOTAL = 2 * len(CRITERIA)
HIGH_FROM, MEDIUM_FROM = 17, 12
BAND_LABELS_RU: Mapping[Band, str] = MappingProxyType({
    "high": "высокая эффективность",
    "medium": "средняя эффективность",
    "low": "низкая эффективность",
})


class AssessmentError(ValueError):
    """An answer names an unknown criterion or gives a score other than 0, 1 or 2."""

    def __init__(self, message: str, criterion: str) -> None:
        super().__init__(message)
        self.criterion = criterion


@dataclass(frozen=True)
class Assessment:
    """The total of the answered criteria, its band and the criteria left unanswered."""

    total: int
    band: Band
    band_label_ru: str
    missing: tuple[str, ...]
    scores: Mapping[str, int]

    @property
    def complete(self) -> bool:
        """Whether every criterion was answered."""
        return not self.missing


def band_of(total: int) -> Band:
    """The band of a total: 17–20 high, 12–16 medium, below 12 low."""
    if total >= HIGH_FROM:
        return "high"
    return "medium" if total >= MEDIUM_FROM else "low"


def validate(answers: Mapping[str, int]) -> None:
    """Raise AssessmentError for the first unknown criterion or out-of-range score."""
    for code, points in answers.items():
        if code not in CRITERIA_BY_CODE:
            known = ", ".join(CRITERIA_BY_CODE)
            raise AssessmentError(f"Неизвестный критерий «{code}». Допустимые критерии: {known}", code)
        if isinstance(points, bool) or not isinstance(points, int) or points not in SCORE_LABELS_RU:
            number = CRITERIA_BY_CODE[code].number
            raise AssessmentError(f"Критерий {number} «{code}» оценивается в 0, 1 или 2 балла, а не {points!r}", code)


def score(answers: Mapping[str, int]) -> Assessment:
    """Validate the answers and return the total, the band and the missing criteria."""
    validate(answers)
    scores = {c.code: answers[c.code] for c in CRITERIA if c.code in answers}
    total = sum(scores.values())
    band = band_of(total)
    missing = tuple(c.code for c in CRITERIA if c.code not in answers)
    return Assessment(total, band, BAND_LABELS_RU[band], missing, MappingProxyType(scores))
