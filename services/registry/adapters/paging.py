"""Keyset pages ordered by normalized name then id, and the opaque cursor that points at the next one."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import Session, select

from shared.errors import BadRequest


def encode_cursor(*values: Any) -> str:
    """The values of the last row of a page, as an opaque URL-safe string."""
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The `size` values a cursor holds; anything else is a 400."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise BadRequest("Некорректный курсор страницы") from None
    if not isinstance(values, list) or len(values) != size:
        raise BadRequest("Некорректный курсор страницы")
    return values


def name_ordered_page(session: Session, stmt: Any, model: Any, cursor: str | None,
                      limit: int, *, plain: bool = False) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by name then id, with the cursor of the next page (None on the last).

    `plain`: `stmt` selects columns (with `normalized_name` and `id`), read as rows past the ORM's loading."""
    if cursor:
        name, last_id = decode_cursor(cursor, 2)
        stmt = stmt.where(tuple_(model.normalized_name, model.id) > tuple_(name, last_id))
    stmt = stmt.order_by(model.normalized_name, model.id).limit(limit + 1)
    rows = list(session.connection().execute(stmt).all() if plain else session.exec(stmt).all())
    next_cursor = encode_cursor(rows[limit - 1].normalized_name, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def count_rows(session: Session, model: Any, clauses: tuple[Any, ...] | list[Any]) -> int:
    """How many rows of `model` match the clauses (one COUNT query): the total of a paged list."""
    return int(session.exec(select(func.count()).select_from(model).where(*clauses)).one())
