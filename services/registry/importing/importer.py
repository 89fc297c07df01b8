"""Import of mentors, mentees and organizations from an uploaded XLSX or CSV (pure: bytes in, result out).

`import_file` reads the file (`spreadsheet.read_spreadsheet`), finds the header row and the layout it is
written in (`columns.detect_header`) and validates every non-empty row after it into a typed record or a list
of Russian errors. Row numbers are the file's own (Excel row; CSV line where the record starts). The column
layouts are described in `services.registry.importing.layouts`.

A district (and an organization) written once over several rows — merged cells, or a CSV saved from them —
is carried down: an empty cell takes the value of the row above; the organization only while the district
stays the same, so it never crosses into another district. A first row without a district stays an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.registry.importing import rows as row_rules
from services.registry.importing.columns import Header, detect_header, kind_score
from services.registry.importing.layouts import CARRIED_DOWN, KIND_LAYOUTS, LAYOUT_TITLES, LAYOUTS
from services.registry.importing.records import ImportedRow, MenteeRecord, MentorRecord, Record, RowError
from services.registry.importing.sheets import ImportFileError, Limits, Sheet, too_many_rows
from services.registry.importing.spreadsheet import read_spreadsheet
from shared.dictionaries import normalize

Kind = Literal["mentors", "mentees", "organizations"]

_VALIDATORS: dict[str, Callable[[row_rules.RowContext], Record | None]] = {
    "mentors": row_rules.mentor,
    "mentees": row_rules.mentee,
    "organizations": row_rules.organization,
}


@dataclass(frozen=True)
class ImportResult:
    """Outcome of validating a file: counted data rows, valid records with row numbers, and errors."""

    kind: str
    sheet: str
    header_row: int
    rows: int
    records: tuple[ImportedRow, ...]
    errors: tuple[RowError, ...]
    layout: str = ""
    unknown_columns: tuple[str, ...] = ()

    @property
    def layout_name(self) -> str:
        """The recognised layout in Russian."""
        return LAYOUT_TITLES.get(self.layout, "")

    @property
    def expected_columns(self) -> list[str]:
        """The headers the recognised layout expects, as written in its template."""
        return [aliases[0] for _, aliases in LAYOUTS[self.layout].values()] if self.layout else []

    @property
    def valid(self) -> int:
        """Number of valid rows."""
        return len(self.records)

    @property
    def ok(self) -> bool:
        """True when no row has an error."""
        return not self.errors

    def error_dicts(self) -> list[dict[str, object]]:
        """Errors as `{"row", "column", "value", "message", "code"}` dicts."""
        return [error.as_dict() for error in self.errors]


def natural_key(record: Record) -> str:
    """Identity across re-imports: organization and normalized full name (municipality and name for an ОО)."""
    if isinstance(record, MentorRecord | MenteeRecord):
        return f"{normalize(record.organization)}|{normalize(record.full_name)}"
    return f"{normalize(record.municipality)}|{normalize(record.name)}"


def import_file(data: bytes, filename: str, content_type: str | None, kind: Kind, *,
                limits: Limits | None = None, delimiter: str | None = None) -> ImportResult:
    """Read and validate an uploaded file of `kind`; raise `ImportFileError` if the file as a whole is unusable."""
    if kind not in KIND_LAYOUTS:
        raise ImportFileError(f"Неизвестный вид импорта «{kind}»", "unknown_kind")
    sheets = read_spreadsheet(data, filename, content_type, limits=limits, delimiter=delimiter,
                              header_score=lambda cells: kind_score(cells, kind))
    sheet, header = _pick_sheet(sheets, kind)
    if sum(1 for number, _ in sheet.rows if number > header.row) > (limits or Limits()).max_rows:
        raise too_many_rows(limits or Limits())
    return validate_rows(sheet, header, kind)


def _pick_sheet(sheets: list[Sheet], kind: str) -> tuple[Sheet, Header]:
    first_error: ImportFileError | None = None
    for sheet in sheets:
        try:
            return sheet, detect_header(sheet.rows, kind)
        except ImportFileError as error:
            if error.code == "duplicate_columns":
                raise
            first_error = first_error or error
    raise first_error or ImportFileError("В файле нет данных", "empty_file")


def validate_rows(sheet: Sheet, header: Header, kind: str) -> ImportResult:
    """Validate every row below the header of a read sheet."""
    validator = _VALIDATORS[kind]
    records: list[ImportedRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    data_rows = [row for row in sheet.rows if row[0] > header.row]
    above: dict[str, str] = {}
    for number, cells in data_rows:
        context = row_rules.RowContext(number, cells, header)
        context.carried = carry_down(context, above, CARRIED_DOWN[kind])
        context.refuse_formulas()
        record = None if context.errors else validator(context)
        if record is not None and not context.errors:
            key = natural_key(record)
            if key in seen:
                context.fail(_key_field(kind), f"Повторяет строку {seen[key]}: та же организация и ФИО",
                             "duplicate_row")
            else:
                seen[key] = number
                records.append(ImportedRow(number, record))
        errors.extend(context.errors)
    return ImportResult(kind, sheet.name, header.row, len(data_rows), tuple(records), tuple(errors),
                        header.layout, header.unknown)


def carry_down(row: row_rules.RowContext, above: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    """Fill the row's empty `fields` from `above` (updated with this row's values); return what was carried.

    The first field is the district; the ones after it are carried only while the district is unchanged.
    """
    carried: dict[str, str] = {}
    same_place = True
    for index, name in enumerate(fields):
        written = row.get(name).strip()
        if written:
            same_place = same_place and (index > 0 or normalize(written) == normalize(above.get(name, "")))
            above[name] = written
        elif above.get(name) and (index == 0 or same_place):
            carried[name] = above[name]
        else:
            above.pop(name, None)
    return carried


def _key_field(kind: str) -> str:
    return "name" if kind == "organizations" else "full_name"
