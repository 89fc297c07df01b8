"""Pair events: what reports and integrators need of every transition, built from the pair row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.events import CloudEvent, trusted_event, utcnow

SOURCE = "/matching"
PAIR_EVENT_FIELDS = ("pair_id", "version", "state", "mentor_id", "mentee_id", "organization_id", "municipality_id",
                     "region_id", "mentor_organization_id", "mentee_category", "mentee_subject", "mentee_stage",
                     "mentee_is_student", "form", "role_model", "group_id", "run_id", "proposed_at",
                     "confirmed_at", "started_on", "planned_end_on", "ended_at", "result", "reason")


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def pair_event(pair: Any, action: str, actor: str | None = None) -> CloudEvent:
    """`mentoring.pair.<action>` carrying the pair as it is after the transition."""
    get = pair.get if isinstance(pair, dict) else lambda name: getattr(pair, name)
    data = {name: _json(get("id" if name == "pair_id" else name)) for name in PAIR_EVENT_FIELDS}
    data["occurred_at"] = _json(utcnow())
    data["actor"] = actor
    return trusted_event(f"mentoring.pair.{action}", SOURCE, data["pair_id"], data)
