"""Reports queries: facts from the projection, indicators for a scope and period, targets, freshness."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, select

from services.reports.adapters.tables import Freshness, MenteeRow, MentorRow, OrganizationRow, PairRow, TargetRow
from services.reports.facts import Facts, MenteeFacts, MentorFacts, OrganizationFacts, PairFacts, Period, Scope
from services.reports.indicators import Indicator, compute_all
from services.reports.targets import DEFAULT_TARGETS, Targets
from shared.errors import NotFound, ValidationFailed
from shared.events import as_utc


def parse_scope(text: str) -> Scope:
    kind, _, ident = text.partition(":")
    if kind not in ("region", "municipality", "organization") or not ident or len(ident) > 36:
        raise ValidationFailed("Уровень: region:<id>, municipality:<id> или organization:<id>",
                               errors=[{"field": "scope", "message": f"недопустимое значение «{text[:60]}»"}])
    return Scope(kind, ident)  # type: ignore[arg-type]


def parse_period(text: str | None) -> Period | None:
    """`now` (or nothing), a year `2026`, or a half-year `2026-H1` / `2026-H2`."""
    if not text or text == "now":
        return None
    match = re.fullmatch(r"(20\d\d)(?:-H([12]))?", text)
    if not match:
        raise ValidationFailed("Период: now, год (2026) или полугодие (2026-H1, 2026-H2)",
                               errors=[{"field": "period", "message": f"недопустимое значение «{text[:20]}»"}])
    year = int(match.group(1))
    return Period.half_year(year, int(match.group(2))) if match.group(2) else Period.year(year)


def region_of(session: Session, scope: Scope) -> str:
    if scope.kind == "region":
        return scope.id
    column = OrganizationRow.municipality_id if scope.kind == "municipality" else OrganizationRow.id
    region = session.exec(select(OrganizationRow.region_id).where(column == scope.id)).first()
    if region is None:
        raise NotFound(f"{'Район' if scope.kind == 'municipality' else 'Организация'} {scope.id} ещё не известен "
                       "отчётам")
    return region


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


def targets(session: Session) -> Targets:
    configured = Targets()
    for row in session.exec(select(TargetRow)).all():
        scope = None if row.scope == "*" else parse_scope(row.scope)
        configured = configured.with_target(row.code, row.value, scope, row.year or None)
    return configured


def set_target(session: Session, code: str, value: float | None, scope: str | None, year: int | None) -> None:
    if code not in DEFAULT_TARGETS:
        raise ValidationFailed(f"Нет показателя «{code}»")
    try:
        Targets().with_target(code, value, parse_scope(scope) if scope else None, year)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    key = (code, scope or "*", year or 0)
    row = session.exec(select(TargetRow).where(TargetRow.code == key[0], TargetRow.scope == key[1],
                                               TargetRow.year == key[2])).first()
    if row is None:
        row = TargetRow(code=key[0], scope=key[1], year=key[2])
        session.add(row)
    row.value = value


def freshness(session: Session, now: datetime | None = None) -> dict[str, Any]:
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


def indicator_json(indicator: Indicator) -> dict[str, Any]:
    return {"code": indicator.code, "label": indicator.label_ru, "value": indicator.value,
            "numerator": indicator.numerator, "denominator": indicator.denominator, "unit": indicator.unit,
            "target": indicator.target, "met": indicator.met, "as_of": indicator.as_of.isoformat(),
            "details": _plain(dict(indicator.details))}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def indicators(session: Session, scope: Scope, period: Period | None) -> dict[str, Any]:
    now = datetime.now(UTC)
    facts = load_facts(session, region_of(session, scope))
    items = compute_all(facts, scope, period, targets(session), now)
    return {"scope": f"{scope.kind}:{scope.id}",
            "period": None if period is None else {"start": period.start.isoformat(), "end": period.end.isoformat()},
            "as_of": now.isoformat(), "indicators": [indicator_json(i) for i in items],
            "freshness": freshness(session, now)}
