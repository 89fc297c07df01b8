"""Request and response models of the organizations' routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.registry.api.schemas.codes import Count, Name, OrganizationKind, PageUrl, Version
from services.registry.api.schemas.common import CountedPage
from shared.fields import Body, Day, Kept, text


class OrganizationIn(Body):
    name: Name
    municipality: Name = Field(description="название района (муниципалитета)")
    region_id: str | None = Field(None, max_length=36)
    kind: OrganizationKind = "school"
    teachers: Count = 0
    young_specialists: Count = 0
    students: Count = 0
    mentoring_page_url: PageUrl | None = None
    has_curator: bool = False
    curator_name: text(2, 300) | None = Field(None, description="ФИО куратора наставничества (есть куратор)")
    curator_position: text(0, 300) | None = None
    curator_trained: bool = Field(False, description="куратор прошёл КПК по наставничеству")
    curator_trained_on: Day | None = None
    head_name: text(2, 300) | None = Field(None, description="ФИО руководителя (подписывает приказ)")
    head_position: text(0, 300) | None = None


class OrganizationPatch(Body):
    name: Kept[Name] = None
    kind: Kept[OrganizationKind] = None
    teachers: Kept[Count] = None
    young_specialists: Kept[Count] = None
    students: Kept[Count] = None
    mentoring_page_url: PageUrl | None = None
    has_curator: Kept[bool] = None
    curator_name: text(2, 300) | None = None
    curator_position: text(0, 300) | None = None
    curator_trained: Kept[bool] = None
    curator_trained_on: Day | None = None
    head_name: text(2, 300) | None = None
    head_position: text(0, 300) | None = None
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
    curator_name: str | None = None
    curator_position: str | None = None
    curator_trained: bool = False
    curator_trained_on: date | None = None
    head_name: str | None = None
    head_position: str | None = None
    status: str
    version: int
    updated_at: datetime
    updated_by: str


class OrganizationList(CountedPage):
    items: list[OrganizationOut]
