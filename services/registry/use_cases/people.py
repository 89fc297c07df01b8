"""Mentors and mentees: list, read, add, change and withdraw (operators and school curators, in scope)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.audit_log import record_audit
from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.lookups import locked, visible
from services.registry.adapters.paging import count_rows, name_ordered_page
from services.registry.adapters.person_kinds import PersonKind
from services.registry.adapters.person_lists import ListTotals, person_list_select, selected_names, visibility_key
from services.registry.adapters.tables import Mentor, Organization
from services.registry.domain.changes import apply_changes, bump_version, check_experience_range, check_version, plain
from services.registry.domain.personal_data import consent_changed, consent_given
from services.registry.domain.roles import READERS, WRITERS
from services.registry.use_cases.results import Page, PersonCard, person_card
from shared.auth import Principal, Role
from shared.config import Settings
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.errors import Conflict, ValidationFailed
from shared.events import utcnow


def list_people(uow: UnitOfWork, principal: Principal, kind: PersonKind, filters: Filters, cursor: str | None,
                limit: int, totals: ListTotals | None = None) -> Page[dict[str, Any]]:
    """One page of the mentors (or mentees) the caller may see, by name, and how many match in all: each row a dict
    of the person's columns with `organization_name` and `municipality_name`, read as plain columns."""
    principal.require(*READERS)
    clauses = (*visible_to(principal, kind.model), *filters.of_people(kind))
    rows, next_cursor = name_ordered_page(uow.session, person_list_select(kind).where(*clauses), kind.model, cursor,
                                          limit, plain=True)
    names = selected_names(kind)
    items = [dict(zip(names, row, strict=True)) for row in rows]

    def count() -> int:
        return count_rows(uow.session, kind.model, clauses)

    key = (kind.entity, visibility_key(principal), filters)
    total = totals.count(uow.session, key, count) if totals is not None else count()
    return Page(items, next_cursor, total)


def get_person(uow: UnitOfWork, principal: Principal, kind: PersonKind, person_id: str) -> PersonCard:
    """One mentor (or mentee) inside the caller's scope (404 otherwise); a mentor or a mentee reads their own."""
    principal.require(*READERS, Role(kind.entity))
    return person_card(uow.session, visible(uow.session, kind.model, principal, person_id, kind.label))


def create_person(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind,
                  data: dict[str, Any]) -> PersonCard:
    """Register a mentor (or mentee) in an active organization inside the caller's scope."""
    principal.require(*WRITERS)
    org = _organization_for_write(uow.session, principal, data.pop("organization_id"))
    return register_person(uow, settings, principal, kind, org, data)


def register_person(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind, org: Organization,
                    data: dict[str, Any]) -> PersonCard:
    """Add the person to `org` (the caller's right to do so is checked before), audited, with its event, committed
    with whatever else the transaction holds."""
    data["consent_processing"], data["consent_processing_on"] = consent_given(
        data.get("consent_processing"), data.get("consent_processing_on"), utcnow().date())
    row = kind.model(region_id=org.region_id, municipality_id=org.municipality_id, organization_id=org.id,
                     normalized_name=normalize(data["full_name"]), created_by=principal.actor,
                     updated_by=principal.actor, **data)
    check_experience_range(row)
    _check_preferred(uow.session, row)
    uow.session.add(row)
    uow.session.flush()
    record_audit(uow.session, principal, kind.entity, row.id, "created", {k: plain(v) for k, v in data.items()})
    uow.publish(kind.event(settings, row, "registered"))
    uow.commit()
    return person_card(uow.session, row)


def patch_person(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind, person_id: str,
                 changes: dict[str, Any], expected_version: int | None) -> PersonCard:
    """Change the fields given; a withdrawn record cannot change, an unchanged one keeps its version."""
    principal.require(*WRITERS)
    row = _locked_in_scope(uow, principal, kind, person_id)
    check_version(row, expected_version, kind.label)
    if row.erased_at is not None:
        raise Conflict(f"{kind.label}: персональные данные удалены (обезличены); изменение невозможно")
    if row.status == "withdrawn":
        raise Conflict(f"{kind.label} выбыл из базы; изменение невозможно")
    changes.update(consent_changed((row.consent_processing, row.consent_processing_on), changes, utcnow().date()))
    diff = apply_changes(row, changes)
    check_experience_range(row)
    _check_preferred(uow.session, row)
    if diff:
        bump_version(row, principal.actor)
        record_audit(uow.session, principal, kind.entity, row.id, "updated", diff)
        uow.publish(kind.event(settings, row, "updated"))
    uow.commit()
    return person_card(uow.session, row)


def withdraw_person(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind, person_id: str,
                    expected_version: int | None, reason: str | None) -> PersonCard:
    """Mark the mentor (or mentee) withdrawn from the base (once; again changes nothing)."""
    principal.require(*WRITERS)
    row = _locked_in_scope(uow, principal, kind, person_id)
    check_version(row, expected_version, kind.label)
    if row.status != "withdrawn":
        row.status = "withdrawn"
        bump_version(row, principal.actor)
        record_audit(uow.session, principal, kind.entity, row.id, "withdrawn", {"reason": reason})
        uow.publish(kind.event(settings, row, "withdrawn"))
    uow.commit()
    return person_card(uow.session, row)


def _locked_in_scope(uow: UnitOfWork, principal: Principal, kind: PersonKind, person_id: str) -> Any:
    row = locked(uow.session, kind.model, person_id, kind.label)
    principal.require_scope(organization_id=row.organization_id, municipality_id=row.municipality_id,
                            region_id=row.region_id)
    return row


def _organization_for_write(session: Session, principal: Principal, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None or org.status != "active":
        raise ValidationFailed("Организация не найдена", errors=[{"field": "organization_id",
                                                                 "message": "нет такой действующей организации"}])
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    return org


def _check_preferred(session: Session, row: Any) -> None:
    """A mentee's preferred mentors must be in the bank of its region."""
    ids = getattr(row, "preferred_mentor_ids", None)
    if ids:
        found = set(session.exec(select(Mentor.id).where(Mentor.id.in_(ids), Mentor.region_id == row.region_id)).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ValidationFailed("Желаемый наставник не найден в банке региона",
                                   errors=[{"field": "preferred_mentor_ids", "message": f"нет наставника {m}"}
                                           for m in missing])
