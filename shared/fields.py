"""Request-model bases and field types: what a service's OpenAPI document promises is exactly what it accepts.

A JSON body is validated strictly (`"3"` is not a number, `1` is not `true`, `0` is not a date) because its
schema says so; query parameters arrive as text and are parsed. Free text is checked as sent, then stored
without surrounding blanks; `Kept[...]` marks a field of a partial update that may be left out but not cleared.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Blank characters, spelled out: `\s` means different sets to ECMA (the schema's reading), Rust (pydantic's
# validator) and Python; an explicit class and `str.strip(BLANKS)` mean one set everywhere.
BLANKS = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
         "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NON_BLANK = "[^\\u0000" + "".join(f"\\u{ord(char):04x}" for char in BLANKS) + "]"
NO_NUL = "[^\\u0000]*"  # text never holds U+0000: PostgreSQL cannot store it (the shared edge refuses it)
# Characters a URL or an e-mail address never carries unescaped: ASCII controls and the space.
CONTROL = "\\x00-\\x20\\x7f"


class Query(BaseModel):
    """Query parameters; an unknown one is refused."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema, built once per class for the argument-less call flask-openapi3 makes on every request
        to read the query (about 5 ms each time for a list's query model)."""
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = _QUERY_SCHEMAS.get(cls)
        if cached is None:
            cached = _QUERY_SCHEMAS[cls] = super().model_json_schema()
        return copy.deepcopy(cached)


_QUERY_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


class Body(BaseModel):
    """A JSON body; an unknown field is refused and JSON types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("ожидается число")
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("ожидается дата ГГГГ-ММ-ДД")


def text(min_length: int = 1, max_length: int = 4000, **field: Any) -> Any:
    """Text a person typed: at least `min_length` (0, 1 or 2) characters from its first to its last non-blank one."""
    pattern = {0: None, 1: rf"^{NO_NUL}{NON_BLANK}{NO_NUL}$"}.get(
        min_length, rf"^{NO_NUL}{NON_BLANK}{NO_NUL}{NON_BLANK}{NO_NUL}$")
    return Annotated[str, Field(min_length=min_length or None, max_length=max_length, pattern=pattern, **field),
                     AfterValidator(lambda value: value.strip(BLANKS))]


def integer(ge: int | None = None, le: int | None = None, **field: Any) -> Any:
    """An integer as JSON has it: `3` or `3.0`, never `"3"` or `true` (bounds sit before the check, in the schema)."""
    return Annotated[int, Field(strict=False, ge=ge, le=le, **field), BeforeValidator(_json_number)]


# A calendar date as JSON and query strings carry it: the text `2026-09-01` (not `0`, not a date-time).
Day = Annotated[date, Field(strict=False), BeforeValidator(_iso_date)]
# (a host without brackets: an IPv6 literal is no school's web page, and a stray bracket breaks every URL parser)
WebUrl = Annotated[str, Field(max_length=2000, pattern=rf"^https?://[^{CONTROL}/?#@\\\[\]]+([/?#][^{CONTROL}]*)?$",
                              description="адрес http(s)://…")]
Email = Annotated[str, Field(max_length=254, pattern=rf"^[^{CONTROL}@]+@[^{CONTROL}@]+\.[^{CONTROL}@]+$",
                             description="адрес почты")]
# A field of a partial update that the record cannot leave empty: absent (the default None, never validated) keeps
# the stored value; an explicit `null` is refused like any other value of the wrong type.
Kept = Annotated[T, "absent keeps the stored value"]
# A level of the target model: `region:<id>`, `municipality:<id>` or `organization:<id>` (an id of up to 36 characters).
Scope = Annotated[str, Field(max_length=100, pattern=r"^(region|municipality|organization):[^\u0000]{1,36}$",
                             description="region:<id>, municipality:<id> или organization:<id>")]
