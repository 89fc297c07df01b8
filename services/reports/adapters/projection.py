"""Projects events into the reports tables: idempotent (inbox), and version-aware so order cannot corrupt."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import Freshness, MenteeRow, MentorRow, OrganizationRow, PairRow
from shared.db import UnitOfWork, versioned_upsert
from shared.events import CloudEvent, as_utc, utcnow


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def organization(session: Session, data: dict[str, Any]) -> None:
    versioned_upsert(session, OrganizationRow, data["organization_id"], data["version"], {
        k: data.get(k, default) for k, default in (
            ("name", ""), ("municipality_id", ""), ("municipality_name", ""), ("region_id", ""), ("teachers", 0),
            ("young_specialists", 0), ("students", 0), ("has_mentoring_page", False), ("status", "active"))})


def mentor(session: Session, data: dict[str, Any]) -> None:
    versioned_upsert(session, MentorRow, data["mentor_id"], data["version"], {
        "organization_id": data["organization_id"], "municipality_id": data["municipality_id"],
        "region_id": data["region_id"], "trained": data.get("trained", False),
        "trained_on": _day(data.get("trained_on")), "capacity": data.get("capacity", 1), "status": data["status"],
        "registered_at": _moment(data.get("registered_at"))})


def mentee(session: Session, data: dict[str, Any]) -> None:
    versioned_upsert(session, MenteeRow, data["mentee_id"], data["version"], {
        "organization_id": data["organization_id"], "municipality_id": data["municipality_id"],
        "region_id": data["region_id"], "category": data["category"], "is_student": data.get("is_student", False),
        "subject": data.get("subject"), "stage": data.get("stage"), "status": data["status"],
        "registered_at": _moment(data.get("registered_at"))})


def pair(session: Session, data: dict[str, Any]) -> None:
    versioned_upsert(session, PairRow, data["pair_id"], data["version"], {
        "state": data["state"], "mentor_id": data["mentor_id"], "mentee_id": data["mentee_id"],
        "organization_id": data["organization_id"], "municipality_id": data["municipality_id"],
        "region_id": data["region_id"], "mentee_category": data["mentee_category"],
        "mentee_is_student": data.get("mentee_is_student", False), "mentee_subject": data.get("mentee_subject"),
        "mentee_stage": data.get("mentee_stage"), "result": data.get("result"),
        "proposed_at": _moment(data.get("proposed_at")), "confirmed_at": _moment(data.get("confirmed_at")),
        "ended_at": _moment(data.get("ended_at"))})


ENTITY_HANDLERS = {"organization": organization, "mentor": mentor, "mentee": mentee, "pair": pair}


def apply(uow: UnitOfWork, event: CloudEvent) -> None:
    """Apply one event and move the freshness mark (in the consumer's transaction, with its inbox row)."""
    entity = event.type.split(".")[1]
    handler = ENTITY_HANDLERS.get(entity)
    if handler is not None:
        handler(uow.session, event.data)
    mark = uow.session.exec(select(Freshness).where(Freshness.id == 1).with_for_update()).first()
    if mark is None:
        mark = Freshness(id=1)
        uow.session.add(mark)
    mark.events_applied += 1
    if mark.last_event_time is None or event.time >= as_utc(mark.last_event_time):
        mark.last_event_id, mark.last_event_type, mark.last_event_time = event.id, event.type, event.time
    mark.applied_at = utcnow()
