"""The municipalities, organizations and people of one region by normalized name, loaded once per import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.tables import Mentor, Municipality, Organization


@dataclass
class RegionIndex:
    """What an import matches its rows against; it grows as the import creates places and people."""

    region_id: str
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    people: dict[tuple[str, str], Any] = field(default_factory=dict)
    mentors_by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, region_id: str, model: type | None) -> RegionIndex:
        """Places of the region, people of `model` (Mentor, Mentee or None) and active mentors' names."""
        index = cls(region_id)
        for muni in session.exec(select(Municipality).where(Municipality.region_id == region_id)):
            index.municipalities[muni.normalized_name] = muni
        for org in session.exec(select(Organization).where(Organization.region_id == region_id)):
            index.organizations[org.normalized_name] = org
        if model is not None:
            for person in session.exec(select(model).where(model.region_id == region_id)):
                index.people[(person.organization_id, person.normalized_name)] = person
        for mentor_id, name in session.exec(select(Mentor.id, Mentor.normalized_name).where(
                Mentor.region_id == region_id, Mentor.status == "active")):
            index.mentors_by_name.setdefault(name, []).append(mentor_id)
        return index
