"""Events of what happens inside a working pair: its program set, a diary entry added, a half-year report submitted,
accepted or returned. Ids, codes and the pair's place only (the catalog's `PairFollowUp`): goals, diary and report
texts may name people, so an integrator reads them through the API under its role."""

from __future__ import annotations

from typing import Any

from services.matching.adapters.tables import DiaryEntry, HalfYearReport, Pair, Program
from shared.events import CloudEvent, new_event, utcnow

SOURCE = "/matching"
REPORT_EVENTS = {"submitted": "report_submitted", "accepted": "report_accepted", "returned": "report_returned"}


def _followup(pair: Pair, action: str, actor: str, fields: dict[str, Any]) -> CloudEvent:
    data = {"pair_id": pair.id, "organization_id": pair.organization_id, "municipality_id": pair.municipality_id,
            "region_id": pair.region_id, "occurred_at": utcnow(), "actor": actor, **fields}
    return new_event(f"mentoring.pair.{action}", SOURCE, pair.id, data)


def program_set(pair: Pair, program: Program, plan_items: int, actor: str) -> CloudEvent:
    """`mentoring.pair.program_set`: the program's codes, the pair's dates and how many items its plan has."""
    return _followup(pair, "program_set", actor, {
        "program_id": program.pair_id, "form": program.form, "role_model": program.role_model,
        "format": program.format, "started_on": pair.started_on, "planned_end_on": pair.planned_end_on,
        "plan_items": plan_items})


def diary_entry_added(pair: Pair, entry: DiaryEntry, actor: str) -> CloudEvent:
    """`mentoring.pair.diary_entry_added`: which entry and which month, not its text."""
    return _followup(pair, "diary_entry_added", actor, {"entry_id": entry.id, "month": entry.month})


def report_changed(pair: Pair, report: HalfYearReport, actor: str) -> CloudEvent:
    """`mentoring.pair.report_<state>` for the report's state after the change, without its text or comment."""
    return _followup(pair, REPORT_EVENTS[report.status], actor, {
        "report_id": report.id, "period": report.period, "state": report.status})
