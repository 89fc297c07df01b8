"""Organizations: list, read, add, change and withdraw (operators of a region or a municipality)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from services.registry.adapters.audit_log import record_audit
from services.registry.adapters.events import organization_event
from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.lookups import find_organization, locked, resolve_municipality, visible
from services.registry.adapters.paging import count_rows, name_ordered_page
from services.registry.adapters.tables import Municipality, Organization
from services.registry.domain.changes import apply_changes, bump_version, check_version, plain
from services.registry.domain.roles import ORGANIZATION_MANAGERS, READERS, WRITERS
from services.registry.use_cases.results import OrganizationCard, Page, organization_card, organization_cards
from shared.auth import Principal
from shared.config import Settings
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.errors import Conflict

LABEL = "Организация"


def list_organizations(uow: UnitOfWork, principal: Principal, filters: Filters, cursor: str | None,
                       limit: int) -> Page[OrganizationCard]:
    """One page of the organizations the caller may see, by name, and how many match in all."""
    principal.require(*READERS)
    clauses = (*visible_to(principal, Organization), *filters.common(Organization))
    rows, next_cursor = name_ordered_page(uow.session, select(Organization).where(*clauses), Organization, cursor,
                                          limit)
    return Page(organization_cards(uow.session, rows), next_cursor, count_rows(uow.session, Organization, clauses))


def get_organization(uow: UnitOfWork, principal: Principal, organization_id: str) -> OrganizationCard:
    """One organization inside the caller's scope (404 otherwise)."""
    principal.require(*READERS)
    return organization_card(uow.session, visible(uow.session, Organization, principal, organization_id, LABEL))


def create_organization(uow: UnitOfWork, settings: Settings, principal: Principal,
                        data: dict[str, Any]) -> OrganizationCard:
    """Add an organization to a municipality (created when new); its name is unique in the region."""
    principal.require(*ORGANIZATION_MANAGERS)
    session = uow.session
    data = with_curator(data)
    region_id = data.pop("region_id", None) or settings.region_id
    municipality = resolve_municipality(session, region_id, data.pop("municipality"))
    principal.require_scope(municipality_id=municipality.id, region_id=municipality.region_id)
    namesake = find_organization(session, municipality.region_id, data["name"])
    if namesake is not None:
        raise Conflict(f"Организация «{namesake.name}» уже есть в регионе")
    org = Organization(region_id=municipality.region_id, municipality_id=municipality.id,
                       normalized_name=normalize(data["name"]), updated_by=principal.actor, **data)
    session.add(org)
    session.flush()
    record_audit(session, principal, "organization", org.id, "created", {k: plain(v) for k, v in data.items()})
    uow.publish(organization_event(settings, org, municipality))
    uow.commit()
    return organization_card(session, org)


def patch_organization(uow: UnitOfWork, settings: Settings, principal: Principal, organization_id: str,
                       changes: dict[str, Any], expected_version: int | None) -> OrganizationCard:
    """Change the fields given; nothing changed means no new version, no audit record and no event."""
    principal.require(*WRITERS)
    org = _locked_in_scope(uow, principal, organization_id)
    check_version(org, expected_version, LABEL)
    if changes.get("name"):
        namesake = find_organization(uow.session, org.region_id, changes["name"])
        if namesake is not None and namesake.id != org.id:
            raise Conflict(f"Организация «{namesake.name}» уже есть в регионе: у двух организаций не может быть "
                           "одного названия")
    diff = apply_changes(org, with_curator(changes))
    if diff:
        bump_version(org, principal.actor)
        record_audit(uow.session, principal, "organization", org.id, "updated", diff)
        uow.publish(organization_event(settings, org, uow.session.get(Municipality, org.municipality_id)))
    uow.commit()
    return organization_card(uow.session, org)


def withdraw_organization(uow: UnitOfWork, settings: Settings, principal: Principal, organization_id: str,
                          expected_version: int | None, reason: str | None) -> OrganizationCard:
    """Mark the organization withdrawn (once; withdrawing again changes nothing)."""
    principal.require(*ORGANIZATION_MANAGERS)
    org = _locked_in_scope(uow, principal, organization_id)
    check_version(org, expected_version, LABEL)
    if org.status != "withdrawn":
        org.status = "withdrawn"
        bump_version(org, principal.actor)
        record_audit(uow.session, principal, "organization", org.id, "withdrawn", {"reason": reason})
        uow.publish(organization_event(settings, org, uow.session.get(Municipality, org.municipality_id)))
    uow.commit()
    return organization_card(uow.session, org)


def with_curator(fields: dict[str, Any]) -> dict[str, Any]:
    """A curator named means the organization has one (`has_curator`, which the indicators count)."""
    return {**fields, "has_curator": True} if fields.get("curator_name") else fields


def _locked_in_scope(uow: UnitOfWork, principal: Principal, organization_id: str) -> Organization:
    org: Organization = locked(uow.session, Organization, organization_id, LABEL)
    principal.require_scope(organization_id=org.id, municipality_id=org.municipality_id, region_id=org.region_id)
    return org
