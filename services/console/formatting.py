"""Numbers, dates and plurals as a Russian reader expects them (Babel, ru_RU), times in the region's zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_percent

from shared.formatting import LOCALE, number

__all__ = ["LOCALE", "day", "moment", "month", "number", "percent", "plural"]


def percent(value: float | None, digits: int = 1) -> str:
    """A value already in per cent (`72.5` → `72,5 %`)."""
    if value is None:
        return "—"
    return format_percent(float(value) / 100, format=f"#,##0.{'#' * digits}\xa0%", locale=LOCALE)


def day(value: date | str | None) -> str:
    """`5 марта 2026 г.`"""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, format="long", locale=LOCALE)


def month(value: str | None) -> str:
    """`2026-03` → `март 2026 г.` (the month as a heading names it)."""
    if not value:
        return "—"
    return format_date(date.fromisoformat(f"{value[:7]}-01"), format="LLLL y\u202f'г.'", locale=LOCALE)


def moment(value: datetime | str | None, timezone: str = "Europe/Moscow") -> str:
    """`5 марта 2026 г., 14:05` in the region's time zone (a naive value is UTC)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return format_datetime(value, format="d MMMM y\u202f'г.', HH:mm", tzinfo=ZoneInfo(timezone), locale=LOCALE)


def plural(count: int, one: str, few: str, many: str) -> str:
    """`1 наставник`, `3 наставника`, `5 наставников`, by the Russian plural rules of CLDR."""
    form = Locale.parse(LOCALE).plural_form(abs(count))
    word = {"one": one, "few": few}.get(form, many)
    return f"{number(count)} {word}"
