"""Validation of one data row into a mentor, mentee or organization record, collecting Russian errors.

Empty optional cells take defaults: capacity 1, no formats (any), no consent to publication, not trained. Where
the stage cell is empty or absent, stages are inferred from the subjects and the organization. A cell carried
down from the row above (a district written once over merged cells, `RowContext.carried`) reads as if written.
Optional columns added later (КПК, honours, a curator's and a head's names, a mentee's qualification) are applied
only when the file has them (`given`), so an older file does not erase what was entered by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from services.registry.importing import cells as parse
from services.registry.importing.columns import Header
from services.registry.importing.experience import parse_experience
from services.registry.importing.inference import guess_organization_kind, implied_stages, infer_stages, sort_stages
from services.registry.importing.records import MenteeRecord, MentorRecord, OrganizationRecord, RowError
from services.registry.importing.spelling import lookup, split_known, split_values
from shared.dictionaries import UnknownSpelling

T = TypeVar("T")
Codes = tuple[str, ...]
NO_CODES: Codes = ()  # an empty cell of codes
NO_CONTACT: tuple[str | None, str | None] = (None, None)  # an empty contact cell: no email, no page
NOT_TRAINED: tuple[bool, date | None] = (False, None)  # an empty КПК cell
NO_CONSENT: tuple[bool, date | None] = (False, None)  # an empty cell of consent to processing
MAX_CAPACITY = 30
# a cell that a spreadsheet would run as a formula: `=…`, `@…`, or `+`/`-` before a function call (`+7 999…` is a
# phone number, `-` alone means "no"); refused rather than stored, so no export can carry it into someone's Excel
_FORMULA = re.compile(r"^\s*(?:[=@]\S|[+\-]\s*[^\W\d]\w*\s*\()")
_REQUIRED = {
    "district": ("Не указан район", "missing_district"),
    "organization": ("Не указана образовательная организация", "missing_org"),
    "name": ("Не указано наименование организации", "missing_org"),
    "full_name": ("Не указано ФИО", "missing_fio"),
    "subjects": ("Не указан предмет", "missing_subject"),
}


class RowContext:
    """One row's cells addressed by field, with the errors found so far."""

    def __init__(self, number: int, cells: tuple[str, ...], header: Header,
                 carried: dict[str, str] | None = None) -> None:
        self.number = number
        self.cells = cells
        self.header = header
        self.carried = carried or {}
        self.errors: list[RowError] = []

    def get(self, field: str) -> str:
        """The raw cell of a field (or the value carried down into it), empty when the column is absent."""
        if field in self.carried:
            return self.carried[field]
        index = self.header.columns.get(field)
        return self.cells[index] if index is not None and index < len(self.cells) else ""

    def given(self, *fields: str) -> frozenset[str]:
        """The fields among these whose column the file has."""
        return frozenset(field for field in fields if field in self.header.columns)

    def text(self, field: str) -> str | None:
        """The cleaned cell, None when empty."""
        return parse.clean(self.get(field)) or None

    def refuse_formulas(self) -> None:
        """Record an error for every mapped cell that holds a spreadsheet formula."""
        for field, index in self.header.columns.items():
            if index < len(self.cells) and _FORMULA.match(self.cells[index]):
                self.fail(field, "Ячейка похожа на формулу таблицы; формулы не загружаются — введите значение",
                          "formula")

    def fail(self, field: str, message: str, code: str) -> None:
        """Record an error in the cell of `field`."""
        column = self.header.titles.get(field, field)
        self.errors.append(RowError(self.number, column, parse.clean(self.get(field)), message, code))

    def required(self, field: str) -> str:
        """The cleaned cell, or an error when it is empty."""
        value = parse.clean(self.get(field))
        if not value:
            self.fail(field, *_REQUIRED[field])
        return value

    def parse(self, field: str, parser: Callable[[str], T], default: T, *, required: bool = False) -> T:
        """Parse a non-empty cell, turning a parser's failure into a row error; empty gives the default."""
        cell = self.get(field)
        if not cell.strip():
            if required:
                self.fail(field, *_REQUIRED[field])
            return default
        try:
            return parser(cell)
        except parse.CellError as error:
            self.fail(field, error.message, error.code)
        except UnknownSpelling as error:
            self.fail(field, str(error), "unknown_value")
        return default


@lru_cache(maxsize=16384)
def _kind_of(organization: str) -> str | None:
    return guess_organization_kind(organization)


def _stages(row: RowContext, subjects: Codes, organization_kind: str | None) -> Codes:
    given = row.parse("stages", _many("stages"), NO_CODES)
    if given:
        return sort_stages(set(given) | set(implied_stages(subjects)))
    return infer_stages(subjects, organization_kind)


def _many(dictionary: str) -> Callable[[str], Codes]:
    return lambda cell: split_values(dictionary, cell)


def _one(dictionary: str) -> Callable[[str], str]:
    return lambda cell: lookup(dictionary, cell)


def mentor(row: RowContext) -> MentorRecord | None:
    """Validate a bank-of-mentors row."""
    municipality, organization = row.required("district"), row.required("organization")
    full_name = row.required("full_name")
    subjects = row.parse("subjects", _many("subjects"), NO_CODES, required=True)
    kind = _kind_of(organization) if organization else None
    email, page = row.parse("contact", parse.contact, NO_CONTACT)
    record = MentorRecord(
        municipality=municipality, organization=organization, organization_kind=kind, full_name=full_name,
        mentee_kinds=row.parse("mentee_kinds", _many("mentee_categories"), NO_CODES),
        subjects=subjects, stages=_stages(row, subjects, kind),
        directions=row.parse("directions", _many("directions"), NO_CODES),
        mentee_experience=row.parse("mentee_experience", parse_experience, None),
        mentee_qualification=row.parse("mentee_qualification", _one("qualification_categories"), None),
        email=email, page_url=page,
        capacity=row.parse("capacity", lambda c: parse.whole_number(c, low=1, high=MAX_CAPACITY), 1),
        formats=row.parse("formats", _many("formats"), NO_CODES),
        consent_to_publication=row.parse("consent_to_publication", parse.consent, False),
        qualification=row.parse("qualification", _one("qualification_categories"), None),
        experience_years=row.parse("experience_years", parse.experience_years, None),
        **_training(row), honours=row.text("honours"), **_consent(row),
        given=row.given("trained", "trained_on", "honours", "consent_processing"),
    )
    return None if row.errors else record


def _training(row: RowContext) -> dict[str, Any]:
    """КПК from a mark column and (or) a date column: trained when either says so, the date when one is given."""
    marked, marked_on = row.parse("trained", parse.training, NOT_TRAINED)
    dated, dated_on = row.parse("trained_on", parse.training, NOT_TRAINED)
    return {"trained": marked or dated, "trained_on": dated_on or marked_on}


def _consent(row: RowContext) -> dict[str, Any]:
    """Consent to processing and its day; an empty cell of a column the file has is no consent."""
    consent, on = row.parse("consent_processing", parse.consent_day, NO_CONSENT)
    return {"consent_processing": consent, "consent_processing_on": on}


def _request(cell: str) -> tuple[Codes, Codes]:
    return split_known("directions", cell)


def mentee(row: RowContext) -> MenteeRecord | None:
    """Validate a mentee row; request pieces naming no known direction are kept as deficits."""
    municipality, organization = row.required("district"), row.required("organization")
    full_name = row.required("full_name")
    subjects = row.parse("subjects", _many("subjects"), NO_CODES, required=True)
    kind = _kind_of(organization) if organization else None
    directions, deficits = row.parse("request", _request, (NO_CODES, NO_CODES))
    record = MenteeRecord(
        municipality=municipality, organization=organization, organization_kind=kind, full_name=full_name,
        subjects=subjects, stages=_stages(row, subjects, kind),
        experience_years=row.parse(
            "experience_years", lambda c: parse.whole_number(c, high=70, integral=False), None),
        category=row.parse("category", _one("mentee_categories"), None),
        directions=directions, deficits=deficits,
        formats=row.parse("formats", _many("formats"), NO_CODES),
        preferred_mentors=row.parse("preferred_mentors", parse.names, ()),
        qualification=row.parse("qualification", _one("qualification_categories"), None), **_consent(row),
        given=row.given("qualification", "consent_processing"),
    )
    return None if row.errors else record


def organization(row: RowContext) -> OrganizationRecord | None:
    """Validate an organization row; the kind is guessed from the name when the cell is empty."""
    municipality, name = row.required("district"), row.required("name")
    counts = {field: row.parse(field, parse.whole_number, None)
              for field in ("teachers", "young_specialists", "students")}
    teachers, young = counts["teachers"], counts["young_specialists"]
    if teachers is not None and young is not None and young > teachers:
        row.fail("young_specialists", "Молодых специалистов больше, чем педагогов", "bad_number")
    curator_trained, curator_trained_on = row.parse("curator_trained", parse.training, NOT_TRAINED)
    record = OrganizationRecord(
        municipality=municipality, name=name,
        kind=row.parse("kind", _one("organization_kinds"), None) or (_kind_of(name) if name else None),
        teachers=teachers, young_specialists=young, students=counts["students"],
        page_url=row.parse("page_url", parse.url, None),
        curator=row.text("curator"), curator_position=row.text("curator_position"),
        curator_trained=curator_trained, curator_trained_on=curator_trained_on,
        head_name=row.text("head_name"), head_position=row.text("head_position"),
        given=row.given("curator", "curator_position", "curator_trained", "head_name", "head_position"),
    )
    return None if row.errors else record
