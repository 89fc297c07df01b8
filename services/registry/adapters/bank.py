"""The published bank of mentors: active mentors consenting to processing and to publication, and the districts
to choose from."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.paging import name_ordered_page
from services.registry.adapters.tables import Mentor, Municipality, Organization
from shared.dictionaries import normalize
from shared.types import contains_code


def published() -> list[Any]:
    """What puts a mentor in the public bank: active, consenting to publication and, beneath it, to processing."""
    return [Mentor.status == "active", Mentor.consent_publication.is_(True), Mentor.consent_processing.is_(True),
            Mentor.erased_at.is_(None)]


def published_mentor(session: Session, mentor_id: str) -> Mentor | None:
    """One mentor of the public bank, or None when they are not in it."""
    return session.exec(select(Mentor).where(Mentor.id == mentor_id, *published())).first()


def published_mentors(session: Session, *, district: str | None, subject: str | None, stage: str | None,
                      direction: str | None, q: str | None, cursor: str | None,
                      limit: int) -> tuple[list[Mentor], str | None]:
    """One page of the public bank, filtered by district, subject, stage, direction and name."""
    filters = published()
    if district:
        filters.append(Mentor.municipality_id == district)
    for column, code in ((Mentor.subjects, subject), (Mentor.stages, stage), (Mentor.directions, direction)):
        if code:
            filters.append(contains_code(column, code))
    if q:
        filters.append(Mentor.normalized_name.contains(normalize(q)))
    return name_ordered_page(session, select(Mentor).where(*filters), Mentor, cursor, limit)


def districts(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every municipality, by name."""
    stmt = select(Municipality.id, Municipality.name).order_by(Municipality.name)
    return [(mid, name) for mid, name in session.exec(stmt).all()]


def schools(session: Session, region_id: str | None = None) -> list[tuple[str, str, str]]:
    """(district name, school id, school name) of every active school (of one region), by district and name: the
    choice of the public forms."""
    stmt = (select(Municipality.name, Organization.id, Organization.name)
            .join(Municipality, Municipality.id == Organization.municipality_id)
            .where(Organization.status == "active").order_by(Municipality.name, Organization.normalized_name))
    if region_id:
        stmt = stmt.where(Organization.region_id == region_id)
    return [tuple(row) for row in session.exec(stmt).all()]
