"""Requests and answers of the half-year monitoring API, as published in OpenAPI."""

from __future__ import annotations

from datetime import date, datetime

from flask_openapi3 import Tag
from pydantic import BaseModel, Field

from services.reports.api.responses import IndicatorOut
from shared.fields import Body, Query, text

HALF_YEAR = r"^20[0-9]{2}-H[12]$"
submission_tag = Tag(name="Мониторинг", description="Полугодовой мониторинг: сданные (замороженные) отчёты "
                                                     "муниципалитетов, сводка региона, возврат на доработку")


class SubmissionIn(Body):
    period: str = Field(pattern=HALF_YEAR, description="полугодие: 2026-H1 или 2026-H2")
    municipality: str | None = Field(None, min_length=1, max_length=36,
                                     description="муниципалитет; оператор муниципалитета сдаёт за свой")


class ReopenIn(Body):
    reason: text(0, 2000, description="почему отчёт возвращён на доработку (обязательно)")  # type: ignore[valid-type]


class SubmissionPath(BaseModel):
    id: str = Field(max_length=36)


class SubmissionsQuery(Query):
    period: str | None = Field(None, pattern=HALF_YEAR, description="полугодие: 2026-H1 или 2026-H2")
    municipality: str | None = Field(None, max_length=36)


class OverviewQuery(Query):
    period: str = Field(pattern=HALF_YEAR, description="полугодие: 2026-H1 или 2026-H2")
    region: str | None = Field(None, max_length=36, description="регион; по умолчанию — регион установки "
                                                                "(оператору региона — всегда его собственный)")


class AuditOut(BaseModel):
    action: str = Field(description="submitted, reopened или resubmitted")
    action_label: str
    actor: str
    reason: str | None
    at: datetime


class SubmissionBrief(BaseModel):
    id: str
    municipality_id: str
    municipality_name: str
    region_id: str
    period: str
    period_label: str
    start: date
    end: date
    version: int
    status: str = Field(description="submitted — сдан и заморожен; reopened — возвращён на доработку")
    status_label: str
    sha256: str = Field(description="SHA-256 замороженного XLSX")
    submitted_by: str
    submitted_at: datetime


class SubmissionOut(SubmissionBrief):
    figures: list[IndicatorOut] = Field(description="показатели на момент сдачи, как их отдаёт /indicators")
    history: list[AuditOut]


class Submissions(BaseModel):
    items: list[SubmissionBrief]
    total: int


class OverviewColumn(BaseModel):
    municipality_id: str
    name: str
    status: str | None = Field(description="null — не сдан")
    status_label: str
    submission_id: str | None
    version: int | None
    submitted_at: datetime | None
    submitted_by: str | None


class OverviewRow(BaseModel):
    code: str
    label: str
    unit: str
    values: list[float | None] = Field(description="по одному значению на муниципалитет, в порядке municipalities")


class OverviewOut(BaseModel):
    region_id: str
    period: str
    period_label: str
    submitted: int
    total: int
    municipalities: list[OverviewColumn]
    rows: list[OverviewRow]
