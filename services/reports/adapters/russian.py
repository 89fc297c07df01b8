"""Figures as a Russian reader expects them (Babel, ru_RU): `45,5 %`, `1 234`, `26.11.2026`, «да»/«нет»."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from services.reports.domain.catalog import SPECS_BY_CODE
from services.reports.domain.context import PERCENT, UNITS
from services.reports.domain.results import Indicator
from shared.formatting import LOCALE, number

__all__ = ["LOCALE", "amount", "day", "is_flag", "number", "target_text"]
MET = {True: "да", False: "нет", None: "—"}


def day(value: date | datetime | None) -> str:
    """`26.11.2026`."""
    if value is None:
        return "—"
    return format_date(value.date() if isinstance(value, datetime) else value, format="dd.MM.yyyy", locale=LOCALE)


def is_flag(indicator: Indicator) -> bool:
    """A yes/no municipal fact shown for one municipality (a region shows the share of its municipalities)."""
    spec = SPECS_BY_CODE.get(indicator.code)
    return spec is not None and spec.source == "flag" and indicator.unit == UNITS


def amount(indicator: Indicator, value: float | None) -> str:
    """A value or a target of the indicator in words: «да»/«нет» for a fact, `45,5 %`, `3 чел.`."""
    if value is None:
        return "нет данных"
    if is_flag(indicator):
        return "да" if value >= 1 else "нет"
    if indicator.unit == PERCENT:
        return f"{number(value)}\xa0%"
    return f"{number(value)}\xa0{indicator.unit}"


def target_text(indicator: Indicator) -> str:
    """The target in words («—» when there is none)."""
    return "—" if indicator.target is None else amount(indicator, indicator.target)
