"""Request and response models of the mentees' routes (the base of mentees)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from services.registry.api.schemas.codes import (
    Direction,
    Format,
    MenteeCategory,
    Name,
    QualificationCategory,
    Stage,
    Subject,
    Version,
)
from services.registry.api.schemas.common import CountedPage
from shared.fields import Body, Day, Email, Kept, integer, text


class MenteeFields(Body):
    subject: Subject | None = None
    extra_subjects: list[Subject] = Field(default_factory=list, max_length=10)
    stage: Stage | None = None
    experience_years: integer(0, 70) | None = None
    category: MenteeCategory = "young_specialist"
    qualification_category: QualificationCategory | None = Field(None, description="квалификационная категория "
                                                                                    "наставляемого")
    is_student: bool = False
    directions: list[Direction] = Field(default_factory=list, max_length=30)
    deficits: text(0, 4000) | None = None
    formats: list[Format] = Field(default_factory=lambda: ["in_person"], max_length=3)
    preferred_mentor_ids: list[Annotated[str, Field(max_length=36)]] = Field(default_factory=list, max_length=5)
    email: Email | None = None
    consent_processing: bool = True
    consent_processing_on: Day | None = Field(None, description="день согласия на обработку персональных данных; "
                                                                "без него — сегодня")


class MenteeIn(MenteeFields):
    organization_id: str = Field(max_length=36)
    full_name: Name


class MenteePatch(Body):
    full_name: Kept[Name] = None
    subject: Subject | None = None
    extra_subjects: Kept[list[Subject]] = Field(None, max_length=10)
    stage: Stage | None = None
    experience_years: integer(0, 70) | None = None
    category: Kept[MenteeCategory] = None
    qualification_category: QualificationCategory | None = None
    is_student: Kept[bool] = None
    directions: Kept[list[Direction]] = Field(None, max_length=30)
    deficits: text(0, 4000) | None = None
    formats: Kept[list[Format]] = Field(None, max_length=3)
    preferred_mentor_ids: Kept[list[Annotated[str, Field(max_length=36)]]] = Field(None, max_length=5)
    email: Email | None = None
    consent_processing: Kept[bool] = None
    consent_processing_on: Day | None = None
    version: Version | None = None


class MenteeOut(BaseModel):
    id: str
    region_id: str
    municipality_id: str
    organization_id: str
    organization_name: str
    municipality_name: str
    full_name: str
    subject: str | None
    extra_subjects: list[str]
    stage: str | None
    experience_years: int | None
    category: str
    qualification_category: str | None = None
    is_student: bool
    directions: list[str]
    deficits: str | None
    formats: list[str]
    preferred_mentor_name: str | None
    preferred_mentor_ids: list[str]
    email: str | None
    consent_processing: bool
    consent_processing_on: date | None = None
    status: str
    erased_at: datetime | None = Field(None, description="когда персональные данные удалены (обезличены)")
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


class MenteeList(CountedPage):
    items: list[MenteeOut]
