"""Ranges of years of experience as operators write them (`0–3`, `до 3 лет`, `более 30`, `любой`)."""

from __future__ import annotations

import re
from functools import lru_cache

from shared.dictionaries import UnknownSpelling, normalize

_ANY_EXPERIENCE = {"любой", "любая", "не важно", "неважно", "без ограничений", "любой стаж"}
_YEARS = r"(?:\s*(?:лет|года|год|г\.?))?"
_EXPERIENCE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?:от\s*)?(\d{{1,2}})\s*(?:-|до)\s*(\d{{1,2}}){_YEARS}$"), "range"),
    (re.compile(rf"^(?:до|менее|меньше|не более)\s*(\d{{1,2}})(?:-х|х)?{_YEARS}$"), "upto"),
    (re.compile(rf"^(?:более|больше|свыше|от|не менее)\s*(\d{{1,2}}){_YEARS}$"), "from"),
    (re.compile(rf"^(\d{{1,2}})\s*\+{_YEARS}$"), "from"),
    (re.compile(rf"^(\d{{1,2}}){_YEARS}$"), "exact"),
)


@lru_cache(maxsize=4096)
def parse_experience(text: str) -> tuple[int, int | None]:
    """Parse a range of years (`0–3`, `до 3 лет`, `21-30`, `более 30`, `любой`) into (min, max or None)."""
    value = normalize(text)
    if value in _ANY_EXPERIENCE:
        return 0, None
    for pattern, shape in _EXPERIENCE_PATTERNS:
        match = pattern.match(value)
        if match is None:
            continue
        low = int(match.group(1))
        if shape == "range" and low <= int(match.group(2)):
            return low, int(match.group(2))
        if shape == "upto":
            return 0, low
        if shape == "from":
            return low, None
        if shape == "exact":
            return low, low
    raise UnknownSpelling("experience", str(text).strip())
