"""Column types shared by the services' tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, String
from sqlalchemy.types import TypeDecorator


class CodeList(TypeDecorator):
    """A list of dictionary codes stored as `|a|b|`, so `LIKE '%|a|%'` filters it on SQLite and PostgreSQL."""

    impl = String(1000)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return "|" + "|".join(value) + "|" if value else ""

    def process_result_value(self, value: Any, dialect: Any) -> list[str]:
        if not value:
            return []
        return [code for code in value.split("|") if code]


def contains_code(column: Any, code: str) -> Any:
    """A filter: the code list in `column` contains `code`."""
    return column.like(f"%|{code}|%")


def new_id() -> str:
    """A new entity id (UUID4 string)."""
    import uuid

    return str(uuid.uuid4())


def code_list_column() -> Column:
    """A NOT NULL `CodeList` column for a SQLModel field."""
    return Column(CodeList(), nullable=False, default=list)


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp that reads back aware: SQLite keeps no zone, and every value is written in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def timestamp_column(**kwargs: Any) -> Column:
    """A timezone-aware timestamp column for a SQLModel field."""
    return Column(UtcDateTime(), **kwargs)
