"""JSON answers encoded by orjson, byte for byte what the standard encoder of the services wrote, several times faster.

Flask's provider (through `IsoJSONProvider`) sorts keys, writes UTF-8 as is and dates as ISO 8601; orjson does the
same in C with `OPT_SORT_KEYS`. Whatever orjson refuses (an integer beyond 64 bits, a type it does not know and
the `default` hook does not convert) goes through the standard encoder, so nothing that worked before fails.
Request bodies are still parsed by the standard decoder (its errors are the ones the API documents).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from flask import Response

from shared.openapi import IsoJSONProvider

OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _default(o: Any) -> Any:
    """What orjson does not encode natively, as Flask's provider encodes it."""
    if isinstance(o, decimal.Decimal):
        return str(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class OrjsonProvider(IsoJSONProvider):
    """`jsonify` through orjson; the standard encoder for what orjson cannot write and in debug mode (indented).

    `app.json.dumps` keeps the standard encoder and its separators: only the answers change encoder."""

    def encode(self, obj: Any) -> bytes:
        """`obj` as the compact JSON of an answer, keys sorted, UTF-8."""
        try:
            return orjson.dumps(obj, default=_default, option=OPTIONS)
        except TypeError:
            return self.dumps(obj, separators=(",", ":")).encode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug) or not self.sort_keys \
                or self.ensure_ascii:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.encode(obj) + b"\n", mimetype=self.mimetype)


def moment(value: datetime | None) -> str | None:
    """A timestamp as pydantic writes it in JSON (ISO 8601, UTC as `Z`): for answers built from plain rows that must
    read exactly as those built from response models."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def moments(row: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The row with the timestamps under `names` written as `moment` (dates and the rest are left to the encoder)."""
    for name in names:
        row[name] = moment(row[name])
    return row


def timestamp_names(table: Any) -> tuple[str, ...]:
    """The columns of a table (SQLAlchemy) holding moments, not dates: those `moments` writes."""
    return tuple(c.name for c in table.columns if _python_type(c.type) is datetime)


def _python_type(column_type: Any) -> Any:
    """The Python type of a column's values (of the stored type under a TypeDecorator such as `UtcDateTime`)."""
    try:
        return getattr(column_type, "impl_instance", column_type).python_type
    except NotImplementedError:
        return None
