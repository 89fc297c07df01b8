"""The indicators page's bar charts as plain numbers for inline SVG (pure: no I/O, no Flask): shares against their
targets, the mentors by load, the mentees waiting for a mentor by subject."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

BANDS = {"high": "высокий", "medium": "средний", "low": "низкий"}
SCORES = ((0, "0 — не соответствует"), (1, "1 — соответствует частично"),
          (2, "2 — соответствует обоснованной системе"))
DEMAND_SHOWN = 8


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, its length and the target's mark in per cent of the chart's width."""

    label: str
    value: float
    width: float
    target: float | None = None
    target_at: float | None = None
    met: bool | None = None


def clamp(share: float) -> float:
    return round(min(max(share, 0.0), 100.0), 1)


def percent_bars(indicators: list[dict[str, Any]]) -> list[Bar]:
    """The indicators measured in per cent that have a value, each against its target on a 0–100 scale."""
    return [Bar(item["label"], float(item["value"]), clamp(float(item["value"])),
                None if item.get("target") is None else float(item["target"]),
                None if item.get("target") is None else clamp(float(item["target"])), item.get("met"))
            for item in indicators if item.get("unit") == "%" and item.get("value") is not None]


def scaled(values: list[tuple[str, float]]) -> list[Bar]:
    """Bars whose lengths are shares of the largest value."""
    top = max((v for _, v in values), default=0) or 1
    return [Bar(label, value, clamp(value / top * 100)) for label, value in values]


def load_bars(indicators: list[dict[str, Any]]) -> list[Bar]:
    """Mentors by the number of mentees they have (the mentor load indicator's distribution)."""
    load = next((i for i in indicators if i.get("code") == "mentor_load"), None)
    distribution = ((load or {}).get("details") or {}).get("distribution") or {}
    rows = sorted((int(k), int(v)) for k, v in distribution.items())
    return scaled([(mentees_phrase(k), float(v)) for k, v in rows])


def mentees_phrase(count: int) -> str:
    if count == 0:
        return "без наставляемых"
    if count % 10 == 1 and count % 100 != 11:
        return f"с {count} наставляемым"
    return f"с {count} наставляемыми"


def demand_bars(indicators: list[dict[str, Any]], subjects: dict[str, str]) -> list[Bar]:
    """Mentees waiting for a mentor by subject, the largest groups first."""
    demand = next((i for i in indicators if i.get("code") == "unmet_demand"), None)
    counts: Counter[str] = Counter()
    for group in ((demand or {}).get("details") or {}).get("groups") or []:
        subject = group.get("subject")
        counts[subjects.get(subject, subject) if subject else "без предмета"] += int(group.get("mentees") or 0)
    return scaled([(name, float(n)) for name, n in counts.most_common(DEMAND_SHOWN)])


def periods(year: int) -> list[tuple[str, str]]:
    """The periods one may pick: now, this year and last, and their half-years."""
    options = [("now", "на сегодня")]
    for y in (year, year - 1):
        options += [(str(y), f"{y} год"), (f"{y}-H1", f"1-е полугодие {y} г."), (f"{y}-H2", f"2-е полугодие {y} г.")]
    return options


def band_word(band: str | None) -> str:
    return BANDS.get(band or "", "—")


def fact_choices(indicators: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The municipal facts one records (seed 000 rows 4, 5, 7–12) as «№ 4. Создание…» choices."""
    return [(i["code"], f"№ {i['number']}. {i['label']}") for i in indicators
            if i.get("kind") not in (None, "data") and i.get("number") is not None]


def latest_facts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record in force per indicator (the API lists the newest first), by the number of the indicator."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        latest.setdefault(record["code"], record)
    return sorted(latest.values(), key=lambda r: r.get("number") or 0)
