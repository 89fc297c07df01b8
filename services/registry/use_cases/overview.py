"""The caller's area at a glance: the municipalities it may see, and the counts of the bank and the base."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, select

from services.registry.adapters.filters import Filters, visible_to
from services.registry.adapters.tables import Mentee, Mentor, Municipality, Organization
from services.registry.domain.roles import READERS
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.errors import Forbidden
from shared.scopes import Scope, visible_rows

OUTSIDE = "Область вне вашей зоны ответственности"


@dataclass(frozen=True)
class MunicipalityCount:
    """A municipality with the number of its active organizations the caller may see."""

    id: str
    name: str
    region_id: str
    organizations: int


@dataclass(frozen=True)
class Summary:
    """Active mentors, their places in all, active mentees and active organizations of an area."""

    mentors: int
    capacity: int
    mentees: int
    organizations: int


def list_municipalities(uow: UnitOfWork, principal: Principal) -> list[MunicipalityCount]:
    """The municipalities inside the caller's scope (a school curator: its school's), by name."""
    principal.require(*READERS)
    active = func.coalesce(func.sum(case((Organization.status == "active", 1), else_=0)), 0)
    stmt = (select(Municipality.id, Municipality.name, Municipality.region_id, Municipality.normalized_name, active)
            .join(Organization, Organization.municipality_id == Municipality.id, isouter=True)
            .where(*visible_rows(principal, region=Municipality.region_id, municipality=Municipality.id,
                                 organization=Organization.id))
            .group_by(Municipality.id, Municipality.name, Municipality.region_id, Municipality.normalized_name))
    rows = sorted(uow.session.exec(stmt).all(), key=lambda row: (row[3], row[0]))
    return [MunicipalityCount(mid, name, region, int(count)) for mid, name, region, _, count in rows]


def summarize(uow: UnitOfWork, principal: Principal, scope: Scope | None) -> Summary:
    """The counts of `scope` (by default the caller's whole area), only over the rows the caller may see.

    A scoped caller may name its own scope or one inside it; anything else is a 403.
    """
    principal.require(*READERS)
    session = uow.session
    place = Filters()
    if scope is not None:
        _require_inside(session, principal, scope)
        place = Filters(**{scope.kind: scope.id})

    def where(model: type) -> tuple[object, ...]:
        narrowed = place.common(model)
        return (*visible_to(principal, model), *narrowed)

    mentors, capacity = session.exec(select(func.count(), func.coalesce(func.sum(Mentor.capacity), 0))
                                     .select_from(Mentor).where(*where(Mentor))).one()
    mentees = session.exec(select(func.count()).select_from(Mentee).where(*where(Mentee))).one()
    organizations = session.exec(select(func.count()).select_from(Organization).where(*where(Organization))).one()
    return Summary(int(mentors), int(capacity), int(mentees), int(organizations))


def _require_inside(session: Session, principal: Principal, scope: Scope) -> None:
    """Admins and integrators may name any area; the others their own or one inside it (else 403)."""
    if principal.role in (Role.ADMIN, Role.INTEGRATOR):
        return
    if scope.kind == principal.scope_kind and scope.id == principal.scope_id:
        return
    located: tuple[str | None, str | None, str] | None = None
    if scope.kind == "region":
        located = (None, None, scope.id)
    elif scope.kind == "municipality":
        municipality = session.get(Municipality, scope.id)
        located = (None, municipality.id, municipality.region_id) if municipality else None
    else:
        org = session.get(Organization, scope.id)
        located = (org.id, org.municipality_id, org.region_id) if org else None
    if located is None or not principal.covers(organization_id=located[0], municipality_id=located[1],
                                                region_id=located[2]):
        raise Forbidden(OUTSIDE)
