"""Self-assessments of municipalities: saving one for a period, listing those the caller may see."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from services.reports.adapters.tables import AssessmentRow
from services.reports.domain.assessment import Assessment, AssessmentError, score
from services.reports.use_cases.access import READERS, require_scope, visible_assessments
from shared.auth import Principal, Role
from shared.db import UnitOfWorkFactory
from shared.errors import Forbidden, ValidationFailed
from shared.events import utcnow
from shared.scopes import Scope


@dataclass(frozen=True)
class SavedAssessment:
    """A stored self-assessment with its answers scored again."""

    municipality_id: str
    period: str
    answers: Mapping[str, int]
    result: Assessment
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, row: AssessmentRow) -> SavedAssessment:
        """Read a row while its session is open (rows expire when a read-only transaction rolls back)."""
        answers = json.loads(row.answers)
        return cls(row.municipality_id, row.period, answers, score(answers), row.updated_at, row.updated_by)


def save_assessment(open_uow: UnitOfWorkFactory, p: Principal, municipality_id: str, period: str,
                    answers: Mapping[str, int]) -> SavedAssessment:
    """Score and store (or replace) a municipality's self-assessment for a period."""
    p.require(Role.MUNICIPAL_OPERATOR, Role.REGION_OPERATOR)
    if p.role is Role.MUNICIPAL_OPERATOR and p.scope_id != municipality_id:
        raise Forbidden("Самооценку заполняет оператор своего муниципалитета")
    with open_uow() as uow:
        if p.role is Role.REGION_OPERATOR:
            require_scope(p, uow.session, Scope("municipality", municipality_id), "Муниципалитет вне вашего региона")
        try:
            result = score(answers)
        except AssessmentError as exc:
            raise ValidationFailed(str(exc), errors=[{"field": f"answers.{exc.criterion}",
                                                      "message": str(exc)}]) from None
        row = uow.session.exec(select(AssessmentRow).where(AssessmentRow.municipality_id == municipality_id,
                                                           AssessmentRow.period == period)).first()
        row = row or AssessmentRow(municipality_id=municipality_id, period=period, answers="{}", total=0, band="low",
                                   updated_by=p.actor)
        row.answers = json.dumps(dict(answers))
        row.total, row.band = result.total, result.band
        row.updated_at, row.updated_by = utcnow(), p.actor
        uow.session.add(row)
        uow.commit()
        return SavedAssessment.of(row)


def list_assessments(open_uow: UnitOfWorkFactory, p: Principal, municipality_id: str | None = None,
                     period: str | None = None) -> list[SavedAssessment]:
    """The self-assessments inside the caller's scope, by period and municipality, optionally filtered."""
    p.require(*READERS)
    with open_uow() as uow:
        stmt = select(AssessmentRow).order_by(AssessmentRow.period, AssessmentRow.municipality_id)
        if municipality_id:
            stmt = stmt.where(AssessmentRow.municipality_id == municipality_id)
        if period:
            stmt = stmt.where(AssessmentRow.period == period)
        stmt = stmt.where(*visible_assessments(p))
        return [SavedAssessment.of(row) for row in uow.session.exec(stmt).all()]
