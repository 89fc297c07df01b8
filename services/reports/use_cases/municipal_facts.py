"""Municipal facts (seed 000 rows 4, 5, 7–12): recording one with its evidence, listing them, serving a document.

Who: the municipal operator for their own municipality, the region operator for the municipalities of their
region, the admin anywhere (as for targets). Readers see the records of the municipalities inside their scope
(a school curator none, as for the self-assessments). Records are never changed: a new one replaces the old as
the value in force (`domain.municipal`), the history stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from services.reports.adapters.loading import municipality_names, region_of
from services.reports.adapters.tables import MunicipalFactRow, OrganizationRow
from services.reports.domain.catalog import SPECS_BY_CODE
from services.reports.domain.fact_rules import FactEntry, media_type, problems
from services.reports.use_cases.access import READERS, require_scope
from shared.auth import Principal, Role
from shared.db import UnitOfWorkFactory
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.events import utcnow
from shared.scopes import Scope, visible_rows

OUTSIDE = "Муниципалитет вне вашей зоны ответственности"


@dataclass(frozen=True)
class SavedFact:
    """A stored record with the names a person reads."""

    id: int
    code: str
    number: int | None
    label: str
    municipality_id: str
    municipality_name: str
    region_id: str
    value: float
    recorded_on: date
    evidence_url: str | None
    evidence_name: str | None
    evidence_type: str | None
    evidence_size: int | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, row: Any, names: dict[str, str], size: int | None) -> SavedFact:
        """A stored row (or a selected tuple of its columns) with the document's size."""
        spec = SPECS_BY_CODE[row.code]
        return cls(row.id, row.code, spec.number, spec.label_ru, row.municipality_id,
                   names.get(row.municipality_id, "Район"), row.region_id, row.value, row.recorded_on,
                   row.evidence_url, row.evidence_name, row.evidence_type, size, row.recorded_by, row.recorded_at)


@dataclass(frozen=True)
class Document:
    """An uploaded evidence document."""

    name: str
    content: bytes


def record_fact(open_uow: UnitOfWorkFactory, p: Principal, entry: FactEntry, document: Document | None,
                today: date | None = None) -> SavedFact:
    """Validate and store one record of a municipal fact with its link or document."""
    p.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    if p.role is Role.MUNICIPAL_OPERATOR and p.scope_id != entry.municipality_id:
        raise Forbidden("Факт вносит оператор своего муниципалитета")
    scope = Scope("municipality", entry.municipality_id)
    with open_uow() as uow:
        if p.role is Role.REGION_OPERATOR:
            require_scope(p, uow.session, scope, OUTSIDE)
        region = region_of(uow.session, scope)
        found = problems(entry, today or date.today(), _organizations(uow.session, entry.municipality_id))
        if found:
            raise ValidationFailed(found[0]["message"] if len(found) == 1 else
                                   "Запись не прошла проверку: см. ошибки у полей", errors=found)
        row = MunicipalFactRow(code=entry.code, municipality_id=entry.municipality_id, region_id=region,
                               value=float(entry.value), recorded_on=entry.recorded_on,
                               evidence_url=entry.evidence_url or None, recorded_by=p.actor, recorded_at=utcnow())
        if document is not None:
            row.evidence_name, row.evidence = document.name[-255:], document.content
            row.evidence_type = media_type(document.name)
        uow.session.add(row)
        uow.session.flush()
        saved = SavedFact.of(row, municipality_names(uow.session, region), len(document.content) if document else None)
        uow.commit()
        return saved


def list_facts(open_uow: UnitOfWorkFactory, p: Principal, municipality_id: str | None = None,
               code: str | None = None) -> list[SavedFact]:
    """The records inside the caller's scope, newest first, optionally of one municipality or code."""
    p.require(*READERS)
    f = MunicipalFactRow
    with open_uow() as uow:
        stmt = select(f.id, f.code, f.municipality_id, f.region_id, f.value, f.recorded_on, f.evidence_url,
                      f.evidence_name, f.evidence_type, func.length(f.evidence).label("evidence_size"),
                      f.recorded_by, f.recorded_at).order_by(f.recorded_on.desc(), f.id.desc())  # type: ignore[attr-defined]
        if municipality_id:
            stmt = stmt.where(f.municipality_id == municipality_id)
        if code:
            stmt = stmt.where(f.code == code)
        stmt = stmt.where(*visible_rows(p, region=f.region_id, municipality=f.municipality_id, organization=None))
        names = municipality_names(uow.session)
        return [SavedFact.of(row, names, row.evidence_size) for row in uow.session.execute(stmt).all()]


def evidence_of(open_uow: UnitOfWorkFactory, p: Principal, fact_id: int) -> tuple[bytes, str, str]:
    """The document of a record inside the caller's scope: bytes, file name, media type; else a 404."""
    p.require(*READERS)
    f = MunicipalFactRow
    with open_uow() as uow:
        stmt = select(f).where(f.id == fact_id, *visible_rows(p, region=f.region_id, municipality=f.municipality_id,
                                                              organization=None))
        row = uow.session.exec(stmt).first()
        if row is None:
            raise NotFound("Запись о муниципальном показателе не найдена")
        if row.evidence is None:
            raise NotFound("К записи не приложен документ")
        return bytes(row.evidence), row.evidence_name or "document", row.evidence_type or "application/octet-stream"


def _organizations(session: Session, municipality_id: str) -> int:
    return int(session.execute(select(func.count()).select_from(OrganizationRow).where(
        OrganizationRow.municipality_id == municipality_id, OrganizationRow.status == "active")).scalar() or 0)

