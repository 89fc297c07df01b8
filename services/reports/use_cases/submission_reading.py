"""Reading the monitoring reports: the list a caller may see, one report, its frozen file, the region's overview."""

from __future__ import annotations

from sqlalchemy.orm import defer
from sqlmodel import col, select

from services.reports.adapters import submission_workbook
from services.reports.adapters.tables import OrganizationRow, SubmissionRow
from services.reports.domain.submission import HalfYear
from services.reports.domain.submission_overview import Latest, Overview, side_by_side
from services.reports.use_cases.submissions import Submission, visible
from shared.auth import Principal, Role
from shared.db import UnitOfWorkFactory
from shared.errors import Forbidden, ValidationFailed
from shared.scopes import visible_rows

READERS = (Role.REGION_OPERATOR, Role.MUNICIPAL_OPERATOR, Role.INTEGRATOR)
OVERVIEW_READERS = (Role.REGION_OPERATOR, Role.INTEGRATOR)
WITHOUT_FILE = defer(SubmissionRow.workbook)  # type: ignore[arg-type]  # lists never need the stored bytes


def list_submissions(open_uow: UnitOfWorkFactory, p: Principal, period: str | None = None,
                     municipality_id: str | None = None) -> list[Submission]:
    """Every version inside the caller's scope (a municipality sees its own, the region all of its own), newest
    half-year first, then by municipality and version."""
    p.require(*READERS)
    stmt = select(SubmissionRow).options(WITHOUT_FILE).where(*visible_rows(p, region=SubmissionRow.region_id,
                                                     municipality=SubmissionRow.municipality_id, organization=None))
    if period:
        stmt = stmt.where(SubmissionRow.period == HalfYear.parse(period).code)
    if municipality_id:
        stmt = stmt.where(SubmissionRow.municipality_id == municipality_id)
    stmt = stmt.order_by(col(SubmissionRow.period).desc(), SubmissionRow.municipality_name,
                         col(SubmissionRow.version).desc())
    with open_uow() as uow:
        return [Submission.of(uow.session, row, with_history=False) for row in uow.session.exec(stmt).all()]


def get_submission(open_uow: UnitOfWorkFactory, p: Principal, submission_id: str) -> Submission:
    """One version with its figures and its audit."""
    p.require(*READERS)
    with open_uow() as uow:
        return Submission.of(uow.session, visible(uow.session, p, submission_id))


def submission_file(open_uow: UnitOfWorkFactory, p: Principal, submission_id: str) -> tuple[bytes, str]:
    """The XLSX bytes stored at submission (never regenerated) and a Russian file name."""
    p.require(*READERS)
    with open_uow() as uow:
        row = visible(uow.session, p, submission_id)
        name = f"Мониторинг {HalfYear.parse(row.period).label_ru} — {row.municipality_name} (версия {row.version})"
        return bytes(row.workbook), f"{name}.xlsx"


def overview(open_uow: UnitOfWorkFactory, p: Principal, period: str, region_id: str | None,
             default_region: str | None = None) -> Overview:
    """Every municipality of the region, submitted or not, with the frozen figures of the live versions."""
    p.require(*OVERVIEW_READERS)
    half = HalfYear.parse(period)
    region = _region(p, region_id, default_region)
    with open_uow() as uow:
        municipalities = uow.session.exec(
            select(OrganizationRow.municipality_id, OrganizationRow.municipality_name)
            .where(OrganizationRow.region_id == region).distinct()).all()
        rows = uow.session.exec(select(SubmissionRow).options(WITHOUT_FILE).where(SubmissionRow.region_id == region,
                                                            SubmissionRow.period == half.code)
                                .order_by(col(SubmissionRow.version))).all()
        newest = {row.municipality_id: Submission.of(uow.session, row, with_history=False) for row in rows}
    latest = {m: Latest(s.id, s.municipality_id, s.municipality_name, s.status, s.version, s.submitted_at,
                        s.submitted_by, s.figures) for m, s in newest.items()}
    return side_by_side(half, region, [(m, n) for m, n in municipalities], latest)


def overview_workbook(open_uow: UnitOfWorkFactory, p: Principal, period: str, region_id: str | None,
                      default_region: str | None = None) -> bytes:
    """The overview as XLSX: indicators down, municipalities across."""
    return submission_workbook.overview_workbook(overview(open_uow, p, period, region_id, default_region))


def _region(p: Principal, requested: str | None, default: str | None) -> str:
    """The region operator's own region (another is refused); the admin and the integrator name one, else the
    installation's region (`default`)."""
    if p.role is Role.REGION_OPERATOR:
        if requested and requested != p.scope_id:
            raise Forbidden("Регион вне вашей зоны ответственности")
        return str(p.scope_id)
    region = requested or default
    if not region:
        raise ValidationFailed("Укажите регион", errors=[{"field": "region", "message": "обязательное поле"}])
    return region
