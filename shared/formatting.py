"""Numbers as a Russian reader expects them (Babel, ru_RU): the console's pages and the reports' files share it."""

from __future__ import annotations

from babel.numbers import format_decimal

LOCALE = "ru_RU"


def number(value: float | int | None, digits: int = 1) -> str:
    """`1 234,5`; an integer value shows no decimals; nothing → «—»."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return format_decimal(int(value), locale=LOCALE)
    return format_decimal(round(float(value), digits), format=f"#,##0.{'#' * digits}", locale=LOCALE)
