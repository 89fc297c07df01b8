"""Request and response models of the registry API (validated by flask-openapi3, published in OpenAPI)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, RootModel

from shared.dictionary_data import DICTIONARIES
from shared.fields import Body, Day, Email, Kept, Query, WebUrl, integer, text


@cache
def codes(dictionary: str) -> frozenset[str]:
    return frozenset(entry[0] for entry in DICTIONARIES[dictionary])


def code_of(dictionary: str):
    def check(value: str) -> str:
        if value not in codes(dictionary):
            allowed = ", ".join(sorted(codes(dictionary)))
            raise ValueError(f"неизвестный код «{value}» справочника {dictionary}; допустимо: {allowed}")
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"enum": sorted(codes(dictionary))})]


Subject = code_of("subjects")
Stage = code_of("stages")
Direction = code_of("directions")
Format = code_of("formats")
MenteeCategory = code_of("mentee_categories")
QualificationCategory = code_of("qualification_categories")
OrganizationKind = code_of("organization_kinds")
Name = text(2, 300)
Count = integer(0, 1_000_000)
Version = integer(1, description="ожидаемая версия (или заголовок If-Match)")


class Page(BaseModel):
    next_cursor: str | None = Field(None, description="Передайте в `cursor`, чтобы получить следующую страницу")


class ListQuery(Query):
    region: str | None = Field(None, max_length=36)
    municipality: str | None = Field(None, max_length=36, description="id района")
    organization: str | None = Field(None, max_length=36, description="id организации")
    q: text(0, 100, description="поиск по ФИО или названию") | None = None
    status: Literal["active", "withdrawn", "all"] = "active"
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=500)


class PersonQuery(ListQuery):
    subject: Subject | None = None
    stage: Stage | None = None
    direction: Direction | None = None
    category: MenteeCategory | None = Field(None, description="категория наставляемого")


class OrganizationIn(Body):
    name: Name
    municipality: Name = Field(description="название района (муниципалитета)")
    region_id: str | None = Field(None, max_length=36)
    kind: OrganizationKind = "school"
    teachers: Count = 0
    young_specialists: Count = 0
    students: Count = 0
    mentoring_page_url: WebUrl | None = None
    has_curator: bool = False


class OrganizationPatch(Body):
    name: Kept[Name] = None
    kind: Kept[OrganizationKind] = None
    teachers: Kept[Count] = None
    young_specialists: Kept[Count] = None
    students: Kept[Count] = None
    mentoring_page_url: WebUrl | None = None
    has_curator: Kept[bool] = None
    version: Version | None = None


class OrganizationOut(BaseModel):
    id: str
    region_id: str
    municipality_id: str
    municipality_name: str
    name: str
    kind: str
    teachers: int
    young_specialists: int
    students: int
    mentoring_page_url: str | None
    has_curator: bool
    status: str
    version: int
    updated_at: datetime
    updated_by: str


class OrganizationList(Page):
    items: list[OrganizationOut]


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
    page_url: WebUrl | None = None
    consent_processing: bool = True
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
    page_url: WebUrl | None = None
    consent_processing: Kept[bool] = None
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
    consent_publication: bool
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


class MentorList(Page):
    items: list[MentorOut]


class MenteeFields(Body):
    subject: Subject | None = None
    extra_subjects: list[Subject] = Field(default_factory=list, max_length=10)
    stage: Stage | None = None
    experience_years: integer(0, 70) | None = None
    category: MenteeCategory = "young_specialist"
    is_student: bool = False
    directions: list[Direction] = Field(default_factory=list, max_length=30)
    deficits: text(0, 4000) | None = None
    formats: list[Format] = Field(default_factory=lambda: ["in_person"], max_length=3)
    preferred_mentor_ids: list[Annotated[str, Field(max_length=36)]] = Field(default_factory=list, max_length=5)
    email: Email | None = None
    consent_processing: bool = True


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
    is_student: Kept[bool] = None
    directions: Kept[list[Direction]] = Field(None, max_length=30)
    deficits: text(0, 4000) | None = None
    formats: Kept[list[Format]] = Field(None, max_length=3)
    preferred_mentor_ids: Kept[list[Annotated[str, Field(max_length=36)]]] = Field(None, max_length=5)
    email: Email | None = None
    consent_processing: Kept[bool] = None
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
    is_student: bool
    directions: list[str]
    deficits: str | None
    formats: list[str]
    preferred_mentor_name: str | None
    preferred_mentor_ids: list[str]
    email: str | None
    consent_processing: bool
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


class MenteeList(Page):
    items: list[MenteeOut]


class IdPath(BaseModel):
    id: str = Field(max_length=36)


class WithdrawIn(Body):
    reason: text(0, 1000) | None = None
    version: Version | None = None


class ImportQuery(Query):
    kind: Literal["mentors", "mentees", "organizations"]
    dry_run: bool = False
    on_error: Literal["abort", "skip"] = "abort"
    region: str | None = Field(None, max_length=36)


class ImportError_(BaseModel):
    row: int | None
    column: str | None
    value: str | None
    message: str


class ImportReport(BaseModel):
    kind: str
    dry_run: bool
    rows: int
    valid: int
    created: int
    updated: int
    unchanged: int
    skipped: int = 0
    errors: list[ImportError_]


class BankQuery(Query):
    district: str | None = Field(None, max_length=36, description="id района")
    subject: Subject | None = None
    stage: Stage | None = None
    direction: Direction | None = None
    q: text(0, 100) | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class BankEntry(BaseModel):
    id: str
    full_name: str
    organization_name: str
    municipality_name: str
    subjects: list[str]
    stages: list[str]
    directions: list[str]
    mentee_categories: list[str]
    qualification_category: str
    formats: list[str]
    page_url: str | None


class BankList(Page):
    items: list[BankEntry]


class AuditQuery(Query):
    entity_id: str | None = Field(None, max_length=36)
    actor: str | None = Field(None, max_length=200)
    cursor: str | None = Field(None, max_length=50)
    limit: int = Field(100, ge=1, le=500)


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict | None


class AuditList(Page):
    items: list[AuditOut]


class DictionaryEntry(BaseModel):
    id: str
    label: str
    spellings: list[str]


class Dictionaries(RootModel[dict[str, list[DictionaryEntry]]]):
    """Every code list by name: codes, Russian labels, the spellings imports accept."""
