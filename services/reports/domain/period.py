"""The reporting period: a closed range of days, how it is written in a request, and the months of a chart."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from shared.errors import ValidationFailed


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
    def month(cls, year: int, month: int) -> Period:
        """One calendar month."""
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

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


def parse_period(text: str | None) -> Period | None:
    """`now` (or nothing) is None; a year `2026`, or a half-year `2026-H1` / `2026-H2`; else a 422 on `period`."""
    if not text or text == "now":
        return None
    match = re.fullmatch(r"(20\d\d)(?:-H([12]))?", text)
    if not match:
        raise ValidationFailed("Период: now, год (2026) или полугодие (2026-H1, 2026-H2)",
                               errors=[{"field": "period", "message": f"недопустимое значение «{text[:20]}»"}])
    year = int(match.group(1))
    return Period.half_year(year, 1 if match.group(2) == "1" else 2) if match.group(2) else Period.year(year)


def months_back(today: date, count: int) -> list[Period]:
    """The `count` calendar months up to and including today's, oldest first."""
    periods = []
    year, month = today.year, today.month
    for _ in range(count):
        periods.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]
