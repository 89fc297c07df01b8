"""Request and response models of applications from the public bank (a nomination, a request for a mentor)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.registry.api.schemas.codes import (
    Direction,
    Format,
    MenteeCategory,
    Name,
    QualificationCategory,
    Stage,
    Subject,
)
from services.registry.api.schemas.common import CountedPage, Cursor
from shared.fields import Body, Email, Query, integer, text

Consent = Literal[True]
CONSENT = "согласие на обработку персональных данных (152-ФЗ); без него заявка не принимается"


class NominationIn(Body):
    """A teacher puts themselves forward as a mentor; the curator of their school decides."""

    organization_id: str = Field(max_length=36, description="школа заявителя")
    full_name: Name
    email: Email
    subjects: list[Subject] = Field(default_factory=list, max_length=20)
    stages: list[Stage] = Field(default_factory=list, max_length=10)
    directions: list[Direction] = Field(default_factory=list, max_length=30)
    formats: list[Format] = Field(default_factory=lambda: ["in_person"], max_length=3)
    experience_years: integer(0, 70) | None = None
    qualification_category: QualificationCategory = "none"
    capacity: integer(1, 20, description="скольких наставляемых готов вести одновременно") = 1
    message: text(0, 2000, description="о себе: опыт, достижения, чем готов помочь") | None = None
    consent_processing: Consent = Field(description=CONSENT)
    consent_publication: bool = Field(False, description="согласие на публикацию в банке наставников")


class RequestIn(Body):
    """A teacher asks a published mentor for help; the curator of the mentor's school decides."""

    mentor_id: str = Field(max_length=36, description="наставник из опубликованного банка")
    organization_id: str = Field(max_length=36, description="школа заявителя (в регионе наставника)")
    full_name: Name
    email: Email
    subject: Subject | None = None
    stage: Stage | None = None
    experience_years: integer(0, 60) | None = None
    category: MenteeCategory = "young_specialist"
    directions: list[Direction] = Field(default_factory=list, max_length=30)
    formats: list[Format] = Field(default_factory=lambda: ["in_person"], max_length=3)
    message: text(0, 2000, description="в чём нужна помощь") | None = None
    consent_processing: Consent = Field(description=CONSENT)


class SubmittedOut(BaseModel):
    id: str
    status: str
    detail: str


class ApplicationQuery(Query):
    status: Literal["new", "selected", "accepted", "declined"] | None = None
    kind: Literal["nomination", "request"] | None = None
    cursor: Cursor | None = None
    limit: int = Field(50, ge=1, le=500)


class DeclineIn(Body):
    reason: text(1, 1000, description="причина отказа: её увидит заявитель")


class ApplicationOut(BaseModel):
    id: str
    kind: Literal["nomination", "request"]
    status: Literal["new", "selected", "accepted", "declined"]
    region_id: str
    municipality_id: str
    municipality_name: str
    organization_id: str = Field(description="школа, куратор которой решает")
    organization_name: str
    applicant_organization_id: str
    applicant_organization_name: str
    mentor_id: str | None
    mentor_name: str | None
    full_name: str
    email: str
    subjects: list[str]
    stages: list[str]
    directions: list[str]
    formats: list[str]
    experience_years: int | None
    qualification_category: str | None
    capacity: int | None
    mentee_category: str | None
    message: str | None
    consent_processing_on: date
    consent_publication: bool
    person_id: str | None = Field(description="наставник (включён в банк) или наставляемый (просьба принята)")
    decline_reason: str | None
    decided_at: datetime | None
    decided_by: str | None
    created_at: datetime
    erased_at: datetime | None = Field(None, description="когда персональные данные заявки обезличены")


class ApplicationList(CountedPage):
    items: list[ApplicationOut]
