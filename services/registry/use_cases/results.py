"""What the use cases return: records with the names of the places they belong to, and pages of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from services.registry.adapters.lookups import municipality_names, names_of
from services.registry.adapters.tables import Municipality, Organization

Card = TypeVar("Card")


@dataclass(frozen=True)
class OrganizationCard:
    """An Organization with the name of its municipality."""

    organization: Organization
    municipality_name: str


@dataclass(frozen=True)
class PersonCard:
    """A Mentor or a Mentee with the names of its organization and municipality."""

    person: Any
    organization_name: str
    municipality_name: str


@dataclass(frozen=True)
class Page(Generic[Card]):
    """One page of a list, the cursor of the next page (None on the last) and, where counted, how many match."""

    items: list[Card]
    next_cursor: str | None
    total: int | None = None


def organization_card(session: Session, organization: Organization) -> OrganizationCard:
    """The organization with its municipality's name (read through the session's identity map)."""
    municipality = session.get(Municipality, organization.municipality_id)
    return OrganizationCard(organization, municipality.name if municipality else "")


def organization_cards(session: Session, organizations: list[Organization]) -> list[OrganizationCard]:
    """Organizations with their municipalities' names, read in one query."""
    names = municipality_names(session, {o.municipality_id for o in organizations})
    return [OrganizationCard(o, names.get(o.municipality_id, "")) for o in organizations]


def person_cards(session: Session, people: list[Any]) -> list[PersonCard]:
    """Mentors or mentees with their organizations' and municipalities' names, read in one query."""
    names = names_of(session, {p.organization_id for p in people})
    return [PersonCard(p, *names.get(p.organization_id, ("", ""))) for p in people]


def person_card(session: Session, person: Any) -> PersonCard:
    """One mentor or mentee with the names of its places."""
    return person_cards(session, [person])[0]
