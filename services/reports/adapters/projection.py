"""Projects events into the reports tables: idempotent (inbox), and version-aware so order cannot corrupt.

Each handler receives the event's payload validated once against the catalog; the freshness mark reads the
envelope (id, type, time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import Freshness, MenteeRow, MentorRow, OrganizationRow, PairRow
from shared.consumer import ConsumerSpec
from shared.db import UnitOfWork, versioned_upsert
from shared.event_catalog import CATALOG, MenteeChanged, MentorChanged, OrganizationUpserted, PairChanged, Payload
from shared.events import CloudEvent, as_utc, utcnow

DURABLE = "reports-projection"
SUBJECTS = ["mentoring.organization.>", "mentoring.mentor.>", "mentoring.mentee.>", "mentoring.pair.>"]


def organization(session: Session, data: OrganizationUpserted) -> None:
    """An organization with the headcounts the denominators use and its curator's training (indicator 13)."""
    versioned_upsert(session, OrganizationRow, data.organization_id, data.version, data.model_dump(include={
        "name", "municipality_id", "municipality_name", "region_id", "teachers", "young_specialists", "students",
        "has_mentoring_page", "status", "has_curator", "curator_trained", "curator_trained_on"}))


def mentor(session: Session, data: MentorChanged) -> None:
    """A bank entry: where the mentor works, training, capacity, status."""
    versioned_upsert(session, MentorRow, data.mentor_id, data.version, data.model_dump(include={
        "organization_id", "municipality_id", "region_id", "trained", "trained_on", "capacity", "status",
        "registered_at"}))


def mentee(session: Session, data: MenteeChanged) -> None:
    """A mentee with the request unmet demand is grouped by."""
    versioned_upsert(session, MenteeRow, data.mentee_id, data.version, data.model_dump(include={
        "organization_id", "municipality_id", "region_id", "category", "is_student", "subject", "stage", "status",
        "registered_at"}))


def pair(session: Session, data: PairChanged) -> None:
    """A pair as it is after the transition, with the dates the period rules read."""
    versioned_upsert(session, PairRow, data.pair_id, data.version, data.model_dump(include={
        "state", "mentor_id", "mentee_id", "organization_id", "municipality_id", "region_id", "mentee_category",
        "mentee_is_student", "mentee_subject", "mentee_stage", "result", "proposed_at", "confirmed_at", "ended_at"}))


HANDLERS: Mapping[type[Payload], Callable[[Session, Any], None]] = {
    OrganizationUpserted: organization, MentorChanged: mentor, MenteeChanged: mentee, PairChanged: pair}


def apply(uow: UnitOfWork, event: CloudEvent) -> None:
    """Apply one event and move the freshness mark (in the consumer's transaction, with its inbox row)."""
    model = CATALOG.get(event.type)
    if model is not None and model in HANDLERS:
        HANDLERS[model](uow.session, model.model_validate(event.data))
    mark = uow.session.exec(select(Freshness).where(Freshness.id == 1).with_for_update()).first()
    if mark is None:
        mark = Freshness(id=1)
        uow.session.add(mark)
    mark.events_applied += 1
    if mark.last_event_time is None or event.time >= as_utc(mark.last_event_time):
        mark.last_event_id, mark.last_event_type, mark.last_event_time = event.id, event.type, event.time
    mark.applied_at = utcnow()


def projection_spec() -> ConsumerSpec:
    """The durable consumer of the projection: registry and pair events into the indicator tables."""
    return ConsumerSpec(durable=DURABLE, filter_subjects=SUBJECTS, handler=apply)
