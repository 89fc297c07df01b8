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
    kind: Literal["mentors", "mentees", "organizations"] = Field(description="раскладка: наставники, наставляемые "
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
