"""Models of the overview routes: the municipalities the caller may see and the summary of an area."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.fields import Query, Scope


class MunicipalityOut(BaseModel):
    id: str
    name: str
    region_id: str
    organizations: int = Field(ge=0, description="действующих организаций района в вашей зоне")


class MunicipalityList(BaseModel):
    items: list[MunicipalityOut]


class SummaryQuery(Query):
    scope: Scope | None = Field(None, description="region:<id>, municipality:<id> или organization:<id>; "
                                                  "пусто — вся ваша зона")


class SummaryOut(BaseModel):
    mentors: int = Field(ge=0, description="наставников в банке (действующих)")
    capacity: int = Field(ge=0, description="мест у действующих наставников в сумме")
    mentees: int = Field(ge=0, description="наставляемых в базе (действующих)")
    organizations: int = Field(ge=0, description="действующих организаций")
