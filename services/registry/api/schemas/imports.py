"""The import route's query and its report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shared.fields import Query


class ImportQuery(Query):
    kind: Literal["mentors", "mentees", "organizations"]
    dry_run: bool = False
    on_error: Literal["abort", "skip"] = "abort"
    region: str | None = Field(None, max_length=36)


class TemplatePath(BaseModel):
    kind: Literal["mentors", "bank", "mentees", "organizations"] = Field(
        description="раскладка: наставники (примерный макет), банк наставников муниципалитета, наставляемые "
                    "или организации")


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
    layout: str = Field("", description="распознанная раскладка: mentors, bank, mentees или organizations")
    layout_name: str = Field("", description="распознанная раскладка по-русски")
    unknown_columns: list[str] = Field(default_factory=list,
                                       description="заголовки, которых раскладка не знает: их столбцы не загружены")
    expected_columns: list[str] = Field(default_factory=list, description="заголовки, которые ждёт раскладка")
    warnings: list[str] = Field(default_factory=list, description="предупреждения по-русски (ошибок не вызывают)")
