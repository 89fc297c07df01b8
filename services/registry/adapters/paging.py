"""Keyset pages ordered by normalized name then id, and the opaque cursor that points at the next one."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import Session, select

from shared.errors import BadRequest

# What a cursor looks like, for the schema: the last row's name in base64url (no padding), a dot, its id.
# Every string of this shape decodes to a position (a name, an id), so the schema states all the format there is.
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?\.[A-Za-z0-9-]{1,36}$"


def encode_cursor(name: str, row_id: str) -> str:
    """The position after the last row of a page, as an opaque URL-safe string."""
    return f"{base64.urlsafe_b64encode(name.encode()).decode().rstrip('=')}.{row_id}"


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The (name, id) a cursor points after; a string the schema's pattern refuses is a 400 here too."""
    encoded, dot, row_id = cursor.rpartition(".")
    if not dot or not row_id or len(encoded) % 4 == 1:
        raise BadRequest("Некорректный курсор страницы")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8", "replace")
    except ValueError:
        raise BadRequest("Некорректный курсор страницы") from None
    return raw.replace("\x00", "\ufffd"), row_id  # a name holds no U+0000 (PostgreSQL could not compare it)


def name_ordered_page(session: Session, stmt: Any, model: Any, cursor: str | None,
                      limit: int, *, plain: bool = False) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by name then id, with the cursor of the next page (None on the last).

    `plain`: `stmt` selects columns (with `normalized_name` and `id`), read as rows past the ORM's loading."""
    if cursor:
        name, last_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(model.normalized_name, model.id) > tuple_(name, last_id))
    stmt = stmt.order_by(model.normalized_name, model.id).limit(limit + 1)
    rows = list(session.connection().execute(stmt).all() if plain else session.exec(stmt).all())
    next_cursor = encode_cursor(rows[limit - 1].normalized_name, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def count_rows(session: Session, model: Any, clauses: tuple[Any, ...] | list[Any]) -> int:
    """How many rows of `model` match the clauses (one COUNT query): the total of a paged list."""
    return int(session.exec(select(func.count()).select_from(model).where(*clauses)).one())
