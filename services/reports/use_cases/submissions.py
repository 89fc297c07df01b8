"""Half-year monitoring: a municipality submits the half-year's indicators (frozen), the region reopens them.

The figures and the XLSX are computed by the indicator use cases (`indicators_report`, `indicators_workbook`),
so whatever indicator set exists at submission is what gets frozen. The XLSX is generated once, here, and its
bytes are stored: the download serves those bytes, so the file is the same a year later whatever changed since
(regenerating it would not do even from frozen figures — openpyxl stamps the creation time into docProps).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.reports.adapters.loading import region_of
from services.reports.adapters.tables import OrganizationRow, SubmissionEventRow, SubmissionRow
from services.reports.domain.results import Indicator
from services.reports.domain.submission import (
    REOPENED,
    SUBMITTED,
    HalfYear,
    action_of,
    reopen_reason,
    require_reopenable,
    require_submittable,
)
from services.reports.use_cases import indicators as reading
from services.reports.use_cases.access import require_scope
from shared.auth import Principal, Role
from shared.db import UnitOfWorkFactory
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import CloudEvent, as_utc, new_event, utcnow
from shared.scopes import Scope

Serialize = Callable[[Indicator], dict[str, Any]]
NOT_FOUND = "Отчёт мониторинга не найден"
SOURCE = "/reports"


@dataclass(frozen=True)
class AuditEntry:
    action: str
    actor: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class Submission:
    """One stored version of a municipality's half-year report (figures and audit read while the session is open)."""

    id: str
    municipality_id: str
    municipality_name: str
    region_id: str
    half: HalfYear
    version: int
    status: str
    sha256: str
    submitted_by: str
    submitted_at: datetime
    figures: list[dict[str, Any]]
    history: list[AuditEntry]

    @classmethod
    def of(cls, session: Session, row: SubmissionRow, with_history: bool = True) -> Submission:
        history = [] if not with_history else [
            AuditEntry(e.action, e.actor, e.reason, as_utc(e.at) or e.at) for e in session.exec(
                select(SubmissionEventRow).where(SubmissionEventRow.submission_id == row.id)
                .order_by(col(SubmissionEventRow.id))).all()]
        return cls(row.id, row.municipality_id, row.municipality_name, row.region_id, HalfYear.parse(row.period),
                   row.version, row.status, row.sha256, row.submitted_by, as_utc(row.submitted_at) or row.submitted_at,
                   json.loads(row.figures), history)


def submit(open_uow: UnitOfWorkFactory, p: Principal, period: str, municipality_id: str | None,
           serialize: Serialize, today: date | None = None) -> Submission:
    """Freeze the half-year's indicators of a municipality: its figures and its XLSX, stored as they are now.

    Refusals come first, in a short read (outside the scope, unknown, future, already submitted); then the
    indicator use cases compute in their own reads; the write is one transaction that checks again, so a
    submission racing this one cannot leave two live versions (the unique version refuses the second).
    """
    p.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    half = HalfYear.parse(period)
    half.require_started(today or date.today())
    scope = Scope("municipality", _municipality_of(p, municipality_id))
    with open_uow() as uow:
        require_scope(p, uow.session, scope, "Муниципалитет вне вашего региона")
        region, name = region_of(uow.session, scope), _municipality_name(uow.session, scope.id)
        require_submittable(half, _status(latest(uow.session, scope.id, half)))
    report = reading.indicators_report(open_uow, p, scope, half.period)
    content = reading.indicators_workbook(open_uow, p, scope, half.period)
    with open_uow() as uow:
        previous = latest(uow.session, scope.id, half)
        require_submittable(half, _status(previous))
        version = previous.version + 1 if previous else 1
        row = SubmissionRow(id=str(uuid.uuid4()), municipality_id=scope.id, municipality_name=name,
                            region_id=region, period=half.code, period_start=half.period.start,
                            period_end=half.period.end, version=version, status=SUBMITTED,
                            figures=json.dumps([serialize(i) for i in report.indicators], ensure_ascii=False),
                            workbook=content, sha256=hashlib.sha256(content).hexdigest(), submitted_by=p.actor,
                            submitted_at=utcnow())
        uow.session.add(row)
        try:
            uow.session.flush()  # the audit row refers to the submission
            uow.session.add(SubmissionEventRow(submission_id=row.id, action=action_of(version), actor=p.actor,
                                               at=row.submitted_at))
            uow.publish(submission_event(row, p.actor))
            uow.commit()
        except IntegrityError:
            raise Conflict(f"Отчёт за {half.label_ru} только что сдан другим запросом") from None
        return Submission.of(uow.session, row)


def reopen(open_uow: UnitOfWorkFactory, p: Principal, submission_id: str, reason: str | None) -> Submission:
    """The region returns a submitted report for correction, with a reason kept in the audit."""
    p.require(Role.REGION_OPERATOR)
    with open_uow() as uow:
        row = visible(uow.session, p, submission_id)
        text = reopen_reason(reason)
        require_reopenable(row.status)
        row.status = REOPENED
        uow.session.add(row)
        uow.session.add(SubmissionEventRow(submission_id=row.id, action="reopened", actor=p.actor, reason=text,
                                           at=utcnow()))
        uow.publish(submission_event(row, p.actor))
        uow.commit()
        return Submission.of(uow.session, row)


def submission_event(row: SubmissionRow, actor: str) -> CloudEvent:
    """`mentoring.submission.<status>` of a version as it is after the change: ids, period, version and state; the
    figures are read through the API and a reopening's reason stays in the audit."""
    return new_event(f"mentoring.submission.{row.status}", SOURCE, row.id, {
        "submission_id": row.id, "municipality_id": row.municipality_id, "region_id": row.region_id,
        "period": row.period, "period_start": row.period_start, "period_end": row.period_end, "version": row.version,
        "state": row.status, "sha256": row.sha256, "occurred_at": utcnow(), "actor": actor})


def visible(session: Session, p: Principal, submission_id: str) -> SubmissionRow:
    """A submission inside the caller's scope; any other reads as absent (its existence is not disclosed)."""
    row = session.get(SubmissionRow, submission_id)
    if row is None or not p.covers(municipality_id=row.municipality_id, region_id=row.region_id):
        raise NotFound(NOT_FOUND)
    return row


def latest(session: Session, municipality_id: str, half: HalfYear) -> SubmissionRow | None:
    """The newest version of a municipality's report for the half-year."""
    return session.exec(select(SubmissionRow).where(SubmissionRow.municipality_id == municipality_id,
                                                    SubmissionRow.period == half.code)
                        .order_by(col(SubmissionRow.version).desc()).limit(1)).first()


def _status(row: SubmissionRow | None) -> str | None:
    return row.status if row else None


def _municipality_of(p: Principal, requested: str | None) -> str:
    """A municipal operator submits for their own municipality; the region and the admin name one."""
    if p.role is Role.MUNICIPAL_OPERATOR:
        if requested and requested != p.scope_id:
            raise Forbidden("Отчёт сдаёт оператор своего муниципалитета")
        return str(p.scope_id)
    if not requested:
        raise ValidationFailed("Укажите муниципалитет, за который сдаётся отчёт",
                               errors=[{"field": "municipality", "message": "обязательное поле"}])
    return requested


def _municipality_name(session: Session, municipality_id: str) -> str:
    names: Sequence[str] = session.exec(select(OrganizationRow.municipality_name)
                                        .where(OrganizationRow.municipality_id == municipality_id).limit(1)).all()
    return names[0] if names else municipality_id
