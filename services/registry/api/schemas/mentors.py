"""Request and response models of the mentors' routes (the bank of mentors)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.registry.api.schemas.codes import (
    Direction,
    Format,
    MenteeCategory,
    Name,
    PageUrl,
    QualificationCategory,
    Stage,
    Subject,
    Version,
)
from services.registry.api.schemas.common import CountedPage
from shared.fields import Body, Day, Email, Kept, integer, text


class MentorFields(Body):
    subjects: list[Subject] = Field(default_factory=list, max_length=20)
    stages: list[Stage] = Field(default_factory=list, max_length=10)
    directions: list[Direction] = Field(default_factory=list, max_length=30)
    mentee_categories: list[MenteeCategory] = Field(default_factory=list, max_length=20)
    mentee_experience_min: integer(0, 60) | None = None
    mentee_experience_max: integer(0, 60) | None = None
    mentee_qualification: QualificationCategory | None = Field(None, description="категория наставляемого")
    qualification_category: QualificationCategory = "none"
    experience_years: integer(0, 70) | None = None
    honours: text(0, 2000) | None = None
    formats: list[Format] = Field(default_factory=lambda: ["in_person"], max_length=3)
    capacity: integer(1, 20, description="сколько наставляемых одновременно") = 1
    trained: bool = False
    trained_on: Day | None = None
    email: Email | None = None
    page_url: PageUrl | None = None
    consent_processing: bool = True
    consent_processing_on: Day | None = Field(None, description="день согласия на обработку персональных данных; "
                                                                "без него — сегодня")
    consent_publication: bool = False


class MentorIn(MentorFields):
    organization_id: str = Field(max_length=36)
    full_name: Name


class MentorPatch(Body):
    full_name: Kept[Name] = None
    subjects: Kept[list[Subject]] = Field(None, max_length=20)
    stages: Kept[list[Stage]] = Field(None, max_length=10)
    directions: Kept[list[Direction]] = Field(None, max_length=30)
    mentee_categories: Kept[list[MenteeCategory]] = Field(None, max_length=20)
    mentee_experience_min: integer(0, 60) | None = None
    mentee_experience_max: integer(0, 60) | None = None
    mentee_qualification: QualificationCategory | None = None
    qualification_category: Kept[QualificationCategory] = None
    experience_years: integer(0, 70) | None = None
    honours: text(0, 2000) | None = None
    formats: Kept[list[Format]] = Field(None, max_length=3)
    capacity: Kept[integer(1, 20)] = None
    trained: Kept[bool] = None
    trained_on: Day | None = None
    email: Email | None = None
    page_url: PageUrl | None = None
    consent_processing: Kept[bool] = None
    consent_processing_on: Day | None = None
    consent_publication: Kept[bool] = None
    version: Version | None = None


class MentorOut(BaseModel):
    id: str
    region_id: str
    municipality_id: str
    organization_id: str
    organization_name: str
    municipality_name: str
    full_name: str
    subjects: list[str]
    stages: list[str]
    directions: list[str]
    mentee_categories: list[str]
    mentee_experience_min: int | None
    mentee_experience_max: int | None
    mentee_qualification: str | None
    qualification_category: str
    experience_years: int | None
    honours: str | None
    formats: list[str]
    capacity: int
    trained: bool
    trained_on: date | None
    email: str | None
    page_url: str | None
    consent_processing: bool
    consent_processing_on: date | None = None
    consent_publication: bool
    status: str
    erased_at: datetime | None = Field(None, description="когда персональные данные удалены (обезличены)")
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


class MentorList(CountedPage):
    items: list[MentorOut]
