"""Registry use cases: each one owns one transaction, writes its rows, its audit record and its events."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import true, tuple_
from sqlmodel import Session, select

from services.registry.adapters.tables import AuditRecord, Mentee, Mentor, Municipality, Organization
from services.registry.events import mentee_event, mentor_event, organization_event
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.errors import BadRequest, Conflict, NotFound, ValidationFailed
from shared.events import CloudEvent, utcnow
from shared.types import contains_code

WRITERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.SCHOOL_CURATOR)
READERS = (*WRITERS, Role.INTEGRATOR)


@dataclass(frozen=True)
class PersonKind:
    """What differs between mentors and mentees for the shared use cases."""

    model: type[Mentor] | type[Mentee]
    entity: str
    label: str
    event: Callable[[Any, str], CloudEvent]


MENTORS = PersonKind(Mentor, "mentor", "Наставник", mentor_event)
MENTEES = PersonKind(Mentee, "mentee", "Наставляемый", mentee_event)


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise BadRequest("Некорректный курсор страницы") from None
    if not isinstance(values, list) or len(values) != size:
        raise BadRequest("Некорректный курсор страницы")
    return values


def scope_clause(model: Any, principal: Principal) -> Any:
    """Rows this principal may see: its organization, municipality or region; everything for admin."""
    if principal.role in (Role.ADMIN, Role.INTEGRATOR):
        return true()
    column = {"region": model.region_id, "municipality": model.municipality_id,
              "organization": model.id if model is Organization else model.organization_id}[principal.scope_kind or ""]
    return column == principal.scope_id


def record_audit(session: Session, principal: Principal, entity: str, entity_id: str, action: str,
                 changes: dict[str, Any] | None = None) -> None:
    session.add(AuditRecord(actor=principal.actor, entity=entity, entity_id=entity_id, action=action,
                            changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None))


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def apply_changes(row: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the fields that differ; return {field: [old, new]}."""
    diff: dict[str, list[Any]] = {}
    for field, value in changes.items():
        old = _plain(getattr(row, field))
        if old != _plain(value):
            diff[field] = [old, _plain(value)]
            setattr(row, field, value)  # the column gets the Python value (a date stays a date)
    if "full_name" in diff or "name" in diff:
        row.normalized_name = normalize(row.full_name if hasattr(row, "full_name") else row.name)
    return diff


def bump_version(row: Any, principal: Principal) -> None:
    row.version += 1
    row.updated_at, row.updated_by = utcnow(), principal.actor


def check_version(row: Any, expected: int | None, label: str) -> None:
    if expected is not None and expected != row.version:
        raise Conflict(f"{label} изменён другим пользователем: версия {row.version}, а в запросе {expected}. "
                       "Перечитайте запись и повторите изменение.", current_version=row.version)


def _lock(session: Session, model: Any, entity_id: str, label: str) -> Any:
    row = session.exec(select(model).where(model.id == entity_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"{label} с id {entity_id} не найден")
    return row


# Municipalities and organizations -------------------------------------------------------------------------------


def resolve_municipality(session: Session, region_id: str, name: str) -> tuple[Municipality, bool]:
    """The municipality of this name in the region, created when new."""
    key = normalize(name)
    found = session.exec(select(Municipality).where(Municipality.region_id == region_id,
                                                    Municipality.normalized_name == key)).first()
    if found:
        return found, False
    municipality = Municipality(region_id=region_id, name=" ".join(name.split()), normalized_name=key)
    session.add(municipality)
    session.flush()
    return municipality, True


def find_organization(session: Session, region_id: str, name: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.region_id == region_id,
                                                   Organization.normalized_name == normalize(name))).first()


def create_organization(uow: UnitOfWork, principal: Principal, data: dict[str, Any], region_id: str) -> Organization:
    principal.require(Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
    session = uow.session
    municipality, _ = resolve_municipality(session, data.pop("region_id", None) or region_id, data.pop("municipality"))
    principal.require_scope(municipality_id=municipality.id, region_id=municipality.region_id)
    if find_organization(session, municipality.region_id, data["name"]):
        raise Conflict(f"Организация «{data['name']}» уже есть в регионе")
    org = Organization(region_id=municipality.region_id, municipality_id=municipality.id,
                       normalized_name=normalize(data["name"]), updated_by=principal.actor,
                       **data)
    session.add(org)
    session.flush()
    record_audit(session, principal, "organization", org.id, "created", {k: _plain(v) for k, v in data.items()})
    uow.publish(organization_event(org, municipality))
    uow.commit()
    return org


def patch_organization(uow: UnitOfWork, principal: Principal, org_id: str, changes: dict[str, Any],
                       expected_version: int | None) -> Organization:
    principal.require(*WRITERS)
    org = _lock(uow.session, Organization, org_id, "Организация")
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    check_version(org, expected_version, "Организация")
    diff = apply_changes(org, changes)
    if diff:
        bump_version(org, principal)
        record_audit(uow.session, principal, "organization", org.id, "updated", diff)
        uow.publish(organization_event(org, uow.session.get(Municipality, org.municipality_id)))
    uow.commit()
    return org


def withdraw_organization(uow: UnitOfWork, principal: Principal, org_id: str, expected_version: int | None,
                          reason: str | None) -> Organization:
    principal.require(Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR)
    org = _lock(uow.session, Organization, org_id, "Организация")
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    check_version(org, expected_version, "Организация")
    if org.status != "withdrawn":
        org.status = "withdrawn"
        bump_version(org, principal)
        record_audit(uow.session, principal, "organization", org.id, "withdrawn", {"reason": reason})
        uow.publish(organization_event(org, uow.session.get(Municipality, org.municipality_id)))
    uow.commit()
    return org


def get_visible(session: Session, model: Any, principal: Principal, entity_id: str, label: str) -> Any:
    principal.require(*READERS)
    row = session.get(model, entity_id)
    if row is None or not session.exec(select(model.id).where(model.id == entity_id,
                                                              scope_clause(model, principal))).first():
        raise NotFound(f"{label} с id {entity_id} не найден")
    return row


def list_rows(session: Session, model: Any, principal: Principal, *, filters: list[Any], cursor: str | None,
              limit: int) -> tuple[list[Any], str | None]:
    """One page ordered by name then id, with a cursor for the next page."""
    principal.require(*READERS)
    query = select(model).where(scope_clause(model, principal), *filters)
    if cursor:
        name, last_id = decode_cursor(cursor, 2)
        query = query.where(tuple_(model.normalized_name, model.id) > tuple_(name, last_id))
    rows = list(session.exec(query.order_by(model.normalized_name, model.id).limit(limit + 1)).all())
    next_cursor = encode_cursor(rows[limit - 1].normalized_name, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def all_rows(session: Session, model: Any, principal: Principal, *, filters: list[Any]) -> list[Any]:
    """Every visible row matching the filters, ordered by name (exports)."""
    principal.require(*READERS)
    query = select(model).where(scope_clause(model, principal), *filters)
    return list(session.exec(query.order_by(model.normalized_name, model.id)).all())


def common_filters(model: Any, *, region: str | None, municipality: str | None, organization: str | None,
                   q: str | None, status: str) -> list[Any]:
    clauses: list[Any] = []
    if region:
        clauses.append(model.region_id == region)
    if municipality:
        clauses.append(model.municipality_id == municipality)
    if organization:
        clauses.append((model.id if model is Organization else model.organization_id) == organization)
    if q:
        clauses.append(model.normalized_name.contains(normalize(q)))
    if status != "all":
        clauses.append(model.status == status)
    return clauses


def person_filters(kind: PersonKind, *, subject: str | None, stage: str | None, direction: str | None,
                   category: str | None) -> list[Any]:
    model, clauses = kind.model, []
    if kind is MENTORS:
        if subject:
            clauses.append(contains_code(model.subjects, subject))
        if stage:
            clauses.append(contains_code(model.stages, stage))
        if category:
            clauses.append(contains_code(model.mentee_categories, category))
    else:
        if subject:
            clauses.append(model.subject == subject)
        if stage:
            clauses.append(model.stage == stage)
        if category:
            clauses.append(model.category == category)
    if direction:
        clauses.append(contains_code(model.directions, direction))
    return clauses


# Mentors and mentees -------------------------------------------------------------------------------------------


def _organization_for_write(session: Session, principal: Principal, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None or org.status != "active":
        raise ValidationFailed("Организация не найдена", errors=[{"field": "organization_id",
                                                                 "message": "нет такой действующей организации"}])
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    return org


def _check_experience_range(row: Any) -> None:
    low, high = getattr(row, "mentee_experience_min", None), getattr(row, "mentee_experience_max", None)
    if low is not None and high is not None and low > high:
        raise ValidationFailed("Стаж наставляемого: «от» больше «до»",
                               errors=[{"field": "mentee_experience_min",
                                        "message": "больше, чем mentee_experience_max"}])


def _check_preferred(session: Session, row: Any) -> None:
    ids = getattr(row, "preferred_mentor_ids", None)
    if ids:
        found = set(session.exec(select(Mentor.id).where(Mentor.id.in_(ids), Mentor.region_id == row.region_id)).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationFailed("Желаемый наставник не найден в банке региона",
                                   errors=[{"field": "preferred_mentor_ids", "message": f"нет наставника {m}"}
                                           for m in missing])


def create_person(uow: UnitOfWork, principal: Principal, kind: PersonKind, data: dict[str, Any]) -> Any:
    principal.require(*WRITERS)
    org = _organization_for_write(uow.session, principal, data.pop("organization_id"))
    row = kind.model(region_id=org.region_id, municipality_id=org.municipality_id, organization_id=org.id,
                     normalized_name=normalize(data["full_name"]), created_by=principal.actor,
                     updated_by=principal.actor, **data)
    _check_experience_range(row)
    _check_preferred(uow.session, row)
    uow.session.add(row)
    uow.session.flush()
    record_audit(uow.session, principal, kind.entity, row.id, "created", {k: _plain(v) for k, v in data.items()})
    uow.publish(kind.event(row, "registered"))
    uow.commit()
    return row


def patch_person(uow: UnitOfWork, principal: Principal, kind: PersonKind, entity_id: str, changes: dict[str, Any],
                 expected_version: int | None) -> Any:
    principal.require(*WRITERS)
    row = _lock(uow.session, kind.model, entity_id, kind.label)
    principal.require_scope(organization_id=row.organization_id, municipality_id=row.municipality_id,
                            region_id=row.region_id)
    check_version(row, expected_version, kind.label)
    if row.status == "withdrawn":
        raise Conflict(f"{kind.label} выбыл из базы; изменение невозможно")
    diff = apply_changes(row, changes)
    _check_experience_range(row)
    _check_preferred(uow.session, row)
    if diff:
        bump_version(row, principal)
        record_audit(uow.session, principal, kind.entity, row.id, "updated", diff)
        uow.publish(kind.event(row, "updated"))
    uow.commit()
    return row


def withdraw_person(uow: UnitOfWork, principal: Principal, kind: PersonKind, entity_id: str,
                    expected_version: int | None, reason: str | None) -> Any:
    principal.require(*WRITERS)
    row = _lock(uow.session, kind.model, entity_id, kind.label)
    principal.require_scope(organization_id=row.organization_id, municipality_id=row.municipality_id,
                            region_id=row.region_id)
    check_version(row, expected_version, kind.label)
    if row.status != "withdrawn":
        row.status = "withdrawn"
        bump_version(row, principal)
        record_audit(uow.session, principal, kind.entity, row.id, "withdrawn", {"reason": reason})
        uow.publish(kind.event(row, "withdrawn"))
    uow.commit()
    return row


def names_of(session: Session, organization_ids: set[str]) -> dict[str, tuple[str, str]]:
    """organization id → (organization name, municipality name)."""
    if not organization_ids:
        return {}
    rows = session.exec(select(Organization.id, Organization.name, Municipality.name)
                        .join(Municipality, Municipality.id == Organization.municipality_id)
                        .where(Organization.id.in_(organization_ids))).all()
    return {org_id: (org_name, muni_name) for org_id, org_name, muni_name in rows}

