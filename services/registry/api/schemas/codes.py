"""Field types of the registry API: codes of the dictionaries (listed as enums in OpenAPI), names, counts."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from shared.dictionary_data import DICTIONARIES
from shared.fields import WebUrl, integer, text


@cache
def codes(dictionary: str) -> frozenset[str]:
    """The ids of a dictionary."""
    return frozenset(entry[0] for entry in DICTIONARIES[dictionary])


def code_of(dictionary: str) -> Any:
    """A string field that only takes an id of `dictionary` (a Russian message names the allowed ones)."""

    def check(value: str) -> str:
        if value not in codes(dictionary):
            allowed = ", ".join(sorted(codes(dictionary)))
            raise ValueError(f"неизвестный код «{value}» справочника {dictionary}; допустимо: {allowed}")
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"enum": sorted(codes(dictionary))})]


Subject = code_of("subjects")
Stage = code_of("stages")
Direction = code_of("directions")
Format = code_of("formats")
MenteeCategory = code_of("mentee_categories")
QualificationCategory = code_of("qualification_categories")
OrganizationKind = code_of("organization_kinds")
Name = text(2, 300)
Count = integer(0, 1_000_000)
Version = integer(1, description="ожидаемая версия (или заголовок If-Match)")
# A page's address, as long as the registry's columns keep it (500 characters)
PageUrl = Annotated[WebUrl, Field(max_length=500)]
