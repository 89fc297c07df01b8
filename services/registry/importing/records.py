"""Typed records produced by a valid imported row, and the error of an invalid one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

ExperienceRange = tuple[int, int | None]


@dataclass(frozen=True, slots=True)
class MentorRecord:
    """A bank-of-mentors entry; ids come from `shared.dictionaries`."""

    municipality: str
    organization: str
    organization_kind: str | None
    full_name: str
    mentee_kinds: tuple[str, ...]
    subjects: tuple[str, ...]
    stages: tuple[str, ...]
    directions: tuple[str, ...]
    mentee_experience: ExperienceRange | None
    mentee_qualification: str | None
    email: str | None
    page_url: str | None
    capacity: int
    formats: tuple[str, ...]
    consent_to_publication: bool
    qualification: str | None
    experience_years: int | None
    trained: bool = False
    trained_on: date | None = None
    honours: str | None = None
    consent_processing: bool = True
    consent_processing_on: date | None = None  # consent without a day: the day it is imported
    given: frozenset[str] = frozenset()  # optional fields whose column the file has (others keep what is stored)


@dataclass(frozen=True, slots=True)
class MenteeRecord:
    """A mentee; `deficits` are the pieces of the request that name no known direction, kept as text."""

    municipality: str
    organization: str
    organization_kind: str | None
    full_name: str
    subjects: tuple[str, ...]
    stages: tuple[str, ...]
    experience_years: int | None
    category: str | None
    directions: tuple[str, ...]
    deficits: tuple[str, ...]
    formats: tuple[str, ...]
    preferred_mentors: tuple[str, ...]
    qualification: str | None = None
    consent_processing: bool = True
    consent_processing_on: date | None = None
    given: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    """An organization with the headcounts used as indicator denominators."""

    municipality: str
    name: str
    kind: str | None
    teachers: int | None
    young_specialists: int | None
    students: int | None
    page_url: str | None
    curator: str | None
    curator_position: str | None = None
    curator_trained: bool = False
    curator_trained_on: date | None = None
    head_name: str | None = None
    head_position: str | None = None
    given: frozenset[str] = frozenset()


Record = MentorRecord | MenteeRecord | OrganizationRecord


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell: the file's row number, the column header as written, a Russian message."""

    row: int
    column: str
    value: str
    message: str
    code: str

    def as_dict(self) -> dict[str, object]:
        """The error as `{"row", "column", "value", "message", "code"}`."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """A valid row's record with the row number it came from."""

    row: int
    record: Record
