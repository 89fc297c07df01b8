"""Response models of the reports API: what each answer carries, as published in OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class Freshness(BaseModel):
    """How far the projection is behind the events it is built from."""

    events_applied: int
    last_event_id: str | None
    last_event_type: str | None = None
    last_event_time: datetime | None
    applied_at: datetime | None
    lag_s: float | None
    since_last_event_s: float | None


class PeriodOut(BaseModel):
    start: date
    end: date


class IndicatorOut(BaseModel):
    code: str
    number: int | None = Field(description="№ в таблице целевых показателей seed 000; null — показателя там нет")
    kind: str = Field(description="data — из данных; flag, count, organizations — муниципальный факт (да/нет, "
                                  "количество, число организаций)")
    label: str
    value: float | None
    numerator: int | None
    denominator: int | None
    unit: str
    target: float | None
    met: bool | None = Field(description="достигнута ли цель; null — цели нет или не из чего считать")
    as_of: datetime
    deadline: str | None = Field(description="срок достижения показателя (seed 000)")
    details: dict[str, Any]


class Indicators(BaseModel):
    scope: str
    scope_name: str = Field(description="название региона, района или организации")
    period: PeriodOut | None
    as_of: datetime
    indicators: list[IndicatorOut]
    freshness: Freshness


class DemandGroupOut(BaseModel):
    subject: str | None
    stage: str | None
    municipality_id: str
    mentees: int


class UnmetDemand(BaseModel):
    scope: str
    total: float | None
    groups: list[DemandGroupOut]
    freshness: Freshness


class TargetOut(BaseModel):
    code: str
    value: float | None
    scope: str | None
    year: int | None


class AssessmentOut(BaseModel):
    municipality_id: str
    period: str
    answers: dict[str, int]
    total: int
    band: str
    band_label: str
    missing: list[str] = Field(description="критерии без оценки")
    updated_at: datetime
    updated_by: str


class CriterionOut(BaseModel):
    code: str
    number: int
    label: str


class Assessments(BaseModel):
    criteria: list[CriterionOut]
    items: list[AssessmentOut]


class MunicipalFactOut(BaseModel):
    id: int
    code: str
    number: int | None = Field(description="№ показателя в таблице seed 000")
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
    evidence_download: str | None = Field(description="путь для скачивания документа")
    recorded_by: str
    recorded_at: datetime


class MunicipalFacts(BaseModel):
    items: list[MunicipalFactOut]
