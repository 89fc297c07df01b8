"""Models every registry list and record route shares: pages, list filters, ids, withdrawal."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from services.registry.api.schemas.codes import Direction, MenteeCategory, Stage, Subject, Version
from shared.fields import Body, Query, text


class Page(BaseModel):
    next_cursor: str | None = Field(None, description="Передайте в `cursor`, чтобы получить следующую страницу")


class CountedPage(Page):
    total: int = Field(ge=0, description="Сколько записей подходит под условия отбора в вашей зоне (на всех страницах)")


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


class IdPath(BaseModel):
    id: str = Field(max_length=36)


class WithdrawIn(Body):
    reason: text(0, 1000) | None = None
    version: Version | None = None
