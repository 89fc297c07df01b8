"""Reads of the reports tables: the facts of a region, its organizations, the configured targets, the freshness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import (
    Freshness,
    MenteeRow,
    MentorRow,
    MunicipalFactRow,
    OrganizationRow,
    PairRow,
    TargetRow,
)
from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, MunicipalFact, OrganizationFacts, PairFacts
from services.reports.domain.targets import Targets
from shared import scopes
from shared.events import as_utc
from shared.scopes import Scope


def region_of(session: Session, scope: Scope) -> str:
    """The region the scope lies in; a municipality or organization the projection has not seen is a 404."""
    return scopes.region_of(session, scope, region=OrganizationRow.region_id,
                            municipality=OrganizationRow.municipality_id, organization=OrganizationRow.id,
                            known_to="отчётам")


FACTS_KEPT = 8  # regions whose facts one process keeps


def load_facts(session: Session, region_id: str) -> Facts:
    """Everything of one region the formulas read: the projection (reused while no event has been applied since)
    and the municipal facts the operators recorded (read each time: they change without an event)."""
    return replace(_facts_entry(session, region_id)[0], municipal=load_municipal_facts(session, region_id))


def load_municipal_facts(session: Session, region_id: str) -> tuple[MunicipalFact, ...]:
    """Every record of the municipal facts of a region (history included; the evidence bytes are not read)."""
    f = MunicipalFactRow
    rows = session.execute(select(f.id, f.code, f.municipality_id, f.region_id, f.value, f.recorded_on,
                                  f.evidence_url, f.evidence_name).where(f.region_id == region_id)
                           .order_by(f.id)).all()
    return tuple(MunicipalFact(*row) for row in rows)


def computed_once(session: Session, region_id: str, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """`compute()` over the region's facts, remembered with those facts under `key` (scope, period, targets,
    the minute of `as of`): the indicators of a scope are not recomputed on every page view while nothing
    changed."""
    memo = _facts_entry(session, region_id)[1]
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _facts_entry(session: Session, region_id: str) -> tuple[Facts, dict[tuple[Any, ...], Any]]:
    """The projection moves the freshness mark in the same transaction as its rows, so an unchanged mark
    (events applied, when) means unchanged facts: a page of indicators does not reload 20k mentors each time."""
    mark = session.get(Freshness, 1)
    key = (str(session.get_bind().url), region_id, mark.events_applied if mark else 0,
           mark.applied_at if mark else None)
    entry = _FACTS.get(key)
    if entry is None:
        entry = (_read_facts(session, region_id), {})
        while len(_FACTS) >= FACTS_KEPT:
            _FACTS.pop(next(iter(_FACTS)))
        _FACTS[key] = entry
    return entry


_FACTS: dict[tuple[Any, ...], tuple[Facts, dict[tuple[Any, ...], Any]]] = {}


def _read_facts(session: Session, region_id: str) -> Facts:
    def rows(*columns: Any) -> list[Any]:
        table = columns[0].class_
        return list(session.execute(select(*columns).where(table.region_id == region_id)).all())

    o, m, e, p = OrganizationRow, MentorRow, MenteeRow, PairRow
    return Facts(
        organizations=tuple(OrganizationFacts(*row) for row in rows(
            o.id, o.municipality_id, o.region_id, o.teachers, o.young_specialists, o.students,
            o.has_mentoring_page, o.status, o.has_curator, o.curator_trained, o.curator_trained_on)),
        mentors=tuple(MentorFacts(*row[:-1], as_utc(row[-1])) for row in rows(
            m.id, m.organization_id, m.municipality_id, m.region_id, m.trained, m.capacity, m.status, m.trained_on,
            m.registered_at)),
        mentees=tuple(MenteeFacts(*row[:8], as_utc(row[8]), row[9]) for row in rows(
            e.id, e.organization_id, e.municipality_id, e.region_id, e.category, e.is_student, e.subject, e.stage,
            e.registered_at, e.status)),
        pairs=tuple(PairFacts(*row[:12], as_utc(row[12]), as_utc(row[13]), as_utc(row[14])) for row in rows(
            p.id, p.mentor_id, p.mentee_id, p.organization_id, p.municipality_id, p.region_id, p.mentee_category,
            p.state, p.mentee_is_student, p.mentee_subject, p.mentee_stage, p.result, p.proposed_at, p.confirmed_at,
            p.ended_at)))


def load_organizations(session: Session, region_id: str | None = None) -> Sequence[OrganizationRow]:
    """The organizations of a region (None: of every region), by municipality name and name."""
    stmt = select(OrganizationRow).order_by(OrganizationRow.municipality_name, OrganizationRow.name)
    if region_id is not None:
        stmt = stmt.where(OrganizationRow.region_id == region_id)
    return session.exec(stmt).all()


def municipality_names(session: Session, region_id: str | None = None) -> dict[str, str]:
    """The names of the municipalities (from the organization events), by id."""
    stmt = select(OrganizationRow.municipality_id, OrganizationRow.municipality_name).distinct()
    if region_id is not None:
        stmt = stmt.where(OrganizationRow.region_id == region_id)
    return {str(ident): str(name) for ident, name in session.execute(stmt).all()}


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
