"""The home page's figures, shaped from the services' answers (pure: no I/O here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PAIR_STATES = (("proposed", "предложена"), ("confirmed", "утверждена приказом"), ("active", "работает"),
               ("completed", "завершена"), ("declined", "отклонена"), ("terminated", "прекращена досрочно"),
               ("expired", "предложение истекло"))


@dataclass
class Overview:
    mentors: int | None = None
    places: int | None = None
    used_places: int | None = None
    free_places: int | None = None
    mentees: int | None = None
    unmatched: int | None = None
    indicators: list[dict[str, Any]] = field(default_factory=list)
    freshness: dict[str, Any] = field(default_factory=dict)
    pairs: list[tuple[str, str, int]] = field(default_factory=list)
    pairs_total: int = 0
    proposed: int = 0
    waiting: list[dict[str, Any]] = field(default_factory=list)


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in body.get("indicators", [])}


def from_indicators(body: dict[str, Any]) -> Overview:
    """Mentors, places and mentees from the load and unmet-demand indicators of the reports API."""
    codes = by_code(body)
    load, demand = codes.get("mentor_load", {}), codes.get("unmet_demand", {})
    view = Overview(indicators=body.get("indicators", []), freshness=body.get("freshness") or {})
    view.mentors = load.get("denominator")
    view.places = (load.get("details") or {}).get("capacity")
    if load:
        view.used_places = int(load.get("numerator") or 0)
    if view.places is not None:
        view.free_places = max(int(view.places) - (view.used_places or 0), 0)
    view.mentees = demand.get("denominator")
    view.unmatched = demand.get("numerator")
    return view


def with_summary(view: Overview, summary: dict[str, Any]) -> Overview:
    """Mentors, places and mentees as the registry counts them now (`GET /api/v1/summary`); the places in use
    and the unmatched mentees stay those of the indicators (pairs are not the registry's)."""
    view.mentors, view.places, view.mentees = summary["mentors"], summary["capacity"], summary["mentees"]
    view.free_places = max(view.places - view.used_places, 0) if view.used_places is not None else None
    return view


def count_pairs(summary: dict[str, Any], proposed: Iterable[dict[str, Any]], view: Overview,
                waiting_shown: int = 8) -> None:
    """Pairs by state (`GET /pairs/summary`), and the proposals waiting longest for a school's answer among
    one page of the proposed ones."""
    counts = summary.get("by_state", {})
    view.pairs = [(state, label, counts.get(state, 0)) for state, label in PAIR_STATES if counts.get(state)]
    view.pairs_total = int(summary.get("total", 0))
    view.proposed = int(counts.get("proposed", 0))
    view.waiting = sorted(proposed, key=lambda p: p.get("expires_at") or "")[:waiting_shown]


def indicator_value(item: dict[str, Any]) -> tuple[float | None, str]:
    """The value and its unit as the table shows them."""
    return item.get("value"), item.get("unit") or ""
