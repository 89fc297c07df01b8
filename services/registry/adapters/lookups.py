"""Single reads by id or name: a row locked for an update, a row the caller may see, places and their names."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.filters import visible_to
from services.registry.adapters.tables import Municipality, Organization
from shared.auth import Principal
from shared.dictionaries import normalize
from shared.errors import NotFound


def locked(session: Session, model: Any, entity_id: str, label: str) -> Any:
    """The row, locked until the transaction ends (404 naming `label` when absent)."""
    row = session.exec(select(model).where(model.id == entity_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"{label} с id {entity_id} не найден")
    return row


def visible(session: Session, model: Any, principal: Principal, entity_id: str, label: str) -> Any:
    """The row when it lies inside the caller's scope; absent and out-of-scope rows are both a 404."""
    row = session.get(model, entity_id)
    if row is None or not session.exec(select(model.id).where(model.id == entity_id,
                                                              *visible_to(principal, model))).first():
        raise NotFound(f"{label} с id {entity_id} не найден")
    return row


def resolve_municipality(session: Session, region_id: str, name: str) -> Municipality:
    """The municipality of this name in the region, created when new."""
    key = normalize(name)
    found = session.exec(select(Municipality).where(Municipality.region_id == region_id,
                                                    Municipality.normalized_name == key)).first()
    if found:
        return found
    municipality = Municipality(region_id=region_id, name=" ".join(name.split()), normalized_name=key)
    session.add(municipality)
    session.flush()
    return municipality


def find_organization(session: Session, region_id: str, name: str) -> Organization | None:
    """The organization of this name in the region, if any."""
    return session.exec(select(Organization).where(Organization.region_id == region_id,
                                                   Organization.normalized_name == normalize(name))).first()


def municipality_names(session: Session, municipality_ids: set[str]) -> dict[str, str]:
    """municipality id → its name."""
    return {m.id: m.name for m in session.exec(select(Municipality).where(
        Municipality.id.in_(municipality_ids))).all()}


def names_of(session: Session, organization_ids: set[str]) -> dict[str, tuple[str, str]]:
    """organization id → (organization name, municipality name)."""
    if not organization_ids:
        return {}
    rows = session.exec(select(Organization.id, Organization.name, Municipality.name)
                        .join(Municipality, Municipality.id == Organization.municipality_id)
                        .where(Organization.id.in_(organization_ids))).all()
    return {org_id: (org_name, muni_name) for org_id, org_name, muni_name in rows}
