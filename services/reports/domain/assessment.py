"""The municipal effectiveness self-assessment of seed 000: ten criteria, 0–2 points each, three bands.

17–20 points: high effectiveness; 12–16: medium; below 12: low. A missing criterion scores 0 and is
listed in `missing`, so a partly filled form still gets a (provisional) band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from services.reports.domain.criteria import CRITERIA, CRITERIA_BY_CODE, SCORE_LABELS_RU

Band = Literal["high", "medium", "low"]
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
