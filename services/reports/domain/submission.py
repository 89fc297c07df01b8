"""Half-year monitoring: the half-year a report is for, how it is written and said, and the rules of submitting.

A municipality submits the indicators of a half-year once; the submission is then frozen. Only the region can
reopen it, with a reason, and a reopened half-year may be submitted again as a new version (the old one is kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.reports.domain.period import Period
from shared.errors import Conflict, ValidationFailed

SUBMITTED, REOPENED = "submitted", "reopened"
STATUS_LABELS = {SUBMITTED: "сдан", REOPENED: "возвращён на доработку", None: "не сдан"}
ACTION_LABELS = {"submitted": "сдан", "reopened": "возвращён на доработку", "resubmitted": "сдан повторно"}
REASON_MAX = 2000
CODE = re.compile(r"(20\d\d)-H([12])")


@dataclass(frozen=True, order=True)
class HalfYear:
    """January–June (half 1) or July–December (half 2) of a year, written `2026-H1`."""

    year: int
    half: Literal[1, 2]

    @classmethod
    def parse(cls, text: str | None, field: str = "period") -> HalfYear:
        """`2026-H1` or `2026-H2`; anything else is a 422 naming `field`."""
        match = CODE.fullmatch(text or "")
        if not match:
            raise ValidationFailed("Период мониторинга — полугодие: 2026-H1 или 2026-H2",
                                   errors=[{"field": field, "message": f"недопустимое значение «{(text or '')[:20]}»"}])
        return cls(int(match.group(1)), 1 if match.group(2) == "1" else 2)

    @classmethod
    def of(cls, day: date) -> HalfYear:
        """The half-year a day falls in."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def code(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def label_ru(self) -> str:
        """«1-е полугодие 2026»."""
        return f"{self.half}-е полугодие {self.year}"

    @property
    def period(self) -> Period:
        return Period.half_year(self.year, self.half)

    def previous(self) -> HalfYear:
        return HalfYear(self.year, 1) if self.half == 2 else HalfYear(self.year - 1, 2)

    def require_started(self, today: date) -> None:
        """A half-year that has not begun has no figures to submit yet (the current one may be submitted)."""
        if self.period.start > today:
            raise ValidationFailed(f"{self.label_ru.capitalize()} ещё не наступило: сдать можно текущее или "
                                   "прошедшее полугодие", errors=[{"field": "period", "message": "период в будущем"}])


def recent(today: date, count: int = 4) -> list[HalfYear]:
    """The current half-year and the `count - 1` before it, newest first (what an operator picks from)."""
    halves = [HalfYear.of(today)]
    while len(halves) < count:
        halves.append(halves[-1].previous())
    return halves


def require_submittable(half: HalfYear, latest_status: str | None) -> None:
    """A half-year is submitted once; again only after the region reopened it."""
    if latest_status == SUBMITTED:
        raise Conflict(f"Отчёт за {half.label_ru} уже сдан и заморожен. Сдать его заново можно, только если "
                       "регион вернёт отчёт на доработку")


def require_reopenable(status: str) -> None:
    """Only the live (submitted) version can be reopened; a reopened one already waits for a new submission."""
    if status != SUBMITTED:
        raise Conflict("Отчёт уже возвращён на доработку: дождитесь, пока муниципалитет сдаст его заново")


def reopen_reason(text: str | None) -> str:
    """The reason the region gives for reopening, trimmed; an empty one is a 422 on `reason`."""
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed("Укажите причину возврата отчёта на доработку",
                               errors=[{"field": "reason", "message": "укажите причину возврата"}])
    if len(reason) > REASON_MAX:
        raise ValidationFailed("Причина слишком длинная",
                               errors=[{"field": "reason", "message": f"не больше {REASON_MAX} символов"}])
    return reason


def action_of(version: int) -> str:
    """The audit action of storing a version: the first is «submitted», later ones «resubmitted»."""
    return "submitted" if version == 1 else "resubmitted"
