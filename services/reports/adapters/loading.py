"""Reads of the reports tables: the facts of a region, its organizations, the configured targets, the freshness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import Freshness, MenteeRow, MentorRow, OrganizationRow, PairRow, TargetRow
from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, OrganizationFacts, PairFacts
from services.reports.domain.targets import Targets
from shared import scopes
from shared.events import as_utc
from shared.scopes import Scope


def region_of(session: Session, scope: Scope) -> str:
    """The region the scope lies in; a municipality or organization the projection has not seen is a 404."""
    return scopes.region_of(session, scope, region=OrganizationRow.region_id,
                            municipality=OrganizationRow.municipality_id, organization=OrganizationRow.id,
                            known_to="отчётам")


def load_facts(session: Session, region_id: str) -> Facts:
    """Everything of one region the formulas read."""
    orgs = session.exec(select(OrganizationRow).where(OrganizationRow.region_id == region_id)).all()
    mentors = session.exec(select(MentorRow).where(MentorRow.region_id == region_id)).all()
    mentees = session.exec(select(MenteeRow).where(MenteeRow.region_id == region_id)).all()
    pairs = session.exec(select(PairRow).where(PairRow.region_id == region_id)).all()
    return Facts(
        organizations=[OrganizationFacts(o.id, o.municipality_id, o.region_id, o.teachers, o.young_specialists,
                                         o.students, o.has_mentoring_page, o.status) for o in orgs],
        mentors=[MentorFacts(m.id, m.organization_id, m.municipality_id, m.region_id, m.trained, m.capacity,
                             m.status, m.trained_on, as_utc(m.registered_at)) for m in mentors],
        mentees=[MenteeFacts(m.id, m.organization_id, m.municipality_id, m.region_id, m.category, m.is_student,
                             m.subject, m.stage, as_utc(m.registered_at), m.status) for m in mentees],
        pairs=[PairFacts(p.id, p.mentor_id, p.mentee_id, p.organization_id, p.municipality_id, p.region_id,
                         p.mentee_category, p.state, p.mentee_is_student, p.mentee_subject, p.mentee_stage, p.result,
                         as_utc(p.proposed_at), as_utc(p.confirmed_at), as_utc(p.ended_at)) for p in pairs])


def load_organizations(session: Session, region_id: str | None = None) -> Sequence[OrganizationRow]:
    """The organizations of a region (None: of every region), by municipality name and name."""
    stmt = select(OrganizationRow).order_by(OrganizationRow.municipality_name, OrganizationRow.name)
    if region_id is not None:
        stmt = stmt.where(OrganizationRow.region_id == region_id)
    return session.exec(stmt).all()


def load_targets(session: Session) -> Targets:
    """The default targets with every configured override applied."""
    configured = Targets()
    for row in session.exec(select(TargetRow)).all():
        scope = None if row.scope == "*" else Scope.parse(row.scope)
        configured = configured.with_target(row.code, row.value, scope, row.year or None)
    return configured


def read_freshness(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The last event applied and how far behind the projection is."""
    now = now or datetime.now(UTC)
    mark = session.get(Freshness, 1)
    if mark is None or mark.last_event_time is None:
        return {"events_applied": 0, "last_event_id": None, "last_event_time": None, "applied_at": None,
                "lag_s": None, "since_last_event_s": None}
    event_time, applied = as_utc(mark.last_event_time), as_utc(mark.applied_at)
    return {"events_applied": mark.events_applied, "last_event_id": mark.last_event_id,
            "last_event_type": mark.last_event_type, "last_event_time": event_time.isoformat(),
            "applied_at": applied.isoformat() if applied else None,
            "lag_s": round((applied - event_time).total_seconds(), 3) if applied else None,
            "since_last_event_s": round((now - event_time).total_seconds(), 3)}
