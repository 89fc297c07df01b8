"""Models of the public routes: the published bank of mentors and the dictionaries."""

from __future__ import annotations

from pydantic import BaseModel, Field, RootModel

from services.registry.api.schemas.codes import Direction, Stage, Subject
from services.registry.api.schemas.common import Cursor, Page
from shared.fields import Query, text


class BankQuery(Query):
    district: str | None = Field(None, max_length=36, description="id района")
    subject: Subject | None = None
    stage: Stage | None = None
    direction: Direction | None = None
    q: text(0, 100) | None = None
    cursor: Cursor | None = None
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


class DictionaryEntry(BaseModel):
    id: str
    label: str
    spellings: list[str]


class Dictionaries(RootModel[dict[str, list[DictionaryEntry]]]):
    """Every code list by name: codes, Russian labels, the spellings imports accept."""
