"""The published bank of mentors: consented, active mentors and only their public fields."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from services.registry import service
from services.registry.adapters.tables import Mentor, Municipality
from services.registry.schemas import BankEntry, BankQuery
from shared.dictionaries import label
from shared.types import contains_code


def bank_page(session: Session, query: BankQuery, region_id: str | None = None) -> tuple[list[BankEntry], str | None]:
    """One page of the public bank, filtered by district, subject, stage, direction and name."""
    filters: list[Any] = [Mentor.status == "active", Mentor.consent_publication.is_(True)]
    if region_id:
        filters.append(Mentor.region_id == region_id)
    if query.district:
        filters.append(Mentor.municipality_id == query.district)
    for column, code in ((Mentor.subjects, query.subject), (Mentor.stages, query.stage),
                         (Mentor.directions, query.direction)):
        if code:
            filters.append(contains_code(column, code))
    if query.q:
        filters.append(Mentor.normalized_name.contains(service.normalize(query.q)))
    stmt = select(Mentor).where(*filters)
    if query.cursor:
        name, last_id = service.decode_cursor(query.cursor, 2)
        stmt = stmt.where(service.tuple_(Mentor.normalized_name, Mentor.id) > service.tuple_(name, last_id))
    rows = list(session.exec(stmt.order_by(Mentor.normalized_name, Mentor.id).limit(query.limit + 1)).all())
    cursor = None
    if len(rows) > query.limit:
        cursor = service.encode_cursor(rows[query.limit - 1].normalized_name, rows[query.limit - 1].id)
    names = service.names_of(session, {r.organization_id for r in rows[: query.limit]})
    entries = [BankEntry(
        id=r.id, full_name=r.full_name, organization_name=names.get(r.organization_id, ("", ""))[0],
        municipality_name=names.get(r.organization_id, ("", ""))[1], subjects=r.subjects, stages=r.stages,
        directions=r.directions, mentee_categories=r.mentee_categories, qualification_category=r.qualification_category,
        formats=r.formats, page_url=r.page_url,
    ) for r in rows[: query.limit]]
    return entries, cursor


def districts(session: Session, region_id: str | None = None) -> list[tuple[str, str]]:
    stmt = select(Municipality.id, Municipality.name).order_by(Municipality.name)
    if region_id:
        stmt = stmt.where(Municipality.region_id == region_id)
    return [(mid, name) for mid, name in session.exec(stmt).all()]


def labels(dictionary: str, ids: list[str]) -> str:
    """Russian labels of codes, comma-separated, for the page."""
    return ", ".join(label(dictionary, i) for i in ids)
