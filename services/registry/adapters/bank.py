"""The published bank of mentors: active mentors consenting to processing and to publication, and the districts
to choose from."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.paging import name_ordered_page
from services.registry.adapters.tables import Mentor, Municipality
from shared.dictionaries import normalize
from shared.types import contains_code


def published_mentors(session: Session, *, district: str | None, subject: str | None, stage: str | None,
                      direction: str | None, q: str | None, cursor: str | None,
                      limit: int) -> tuple[list[Mentor], str | None]:
    """One page of the public bank, filtered by district, subject, stage, direction and name."""
    filters: list[Any] = [Mentor.status == "active", Mentor.consent_publication.is_(True),
                          Mentor.consent_processing.is_(True)]  # publication rests on consent to processing
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
