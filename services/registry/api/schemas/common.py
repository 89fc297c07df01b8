"""Models every registry list and record route shares: pages, list filters, ids, withdrawal."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.registry.adapters.paging import CURSOR_PATTERN
from services.registry.api.schemas.codes import Direction, MenteeCategory, Stage, Subject, Version
from shared.fields import Body, Query, text

# A page's cursor as `next_cursor` gives it: the last row's name (base64url, up to 500 characters of 4 bytes) and id
Cursor = Annotated[str, Field(max_length=2_720, pattern=CURSOR_PATTERN,
                              description="next_cursor предыдущей страницы, как есть")]


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
    cursor: Cursor | None = None
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


class EraseIn(Body):
    reason: text(1, 1000, description="основание: заявление субъекта персональных данных (номер, дата) или иное")
