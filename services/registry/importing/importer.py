"""Import of mentors, mentees and organizations from an uploaded XLSX or CSV (pure: bytes in, result out).

`import_file` reads the file (`spreadsheet.read_spreadsheet`), finds the header row
(`columns.find_header`) and validates every non-empty row after it into a typed record or a list of
Russian errors. Row numbers are the file's own (Excel row; CSV line where the record starts). The
column layouts, the organizations' one included, are described in `services.registry.importing.columns`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from services.registry.importing import rows as row_rules
from services.registry.importing.columns import LAYOUTS, Header, alias_table, find_header, score_header
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
    if kind not in LAYOUTS:
        raise ImportFileError(f"Неизвестный вид импорта «{kind}»", "unknown_kind")
    layout = LAYOUTS[kind]
    aliases = alias_table(layout)
    sheets = read_spreadsheet(data, filename, content_type, limits=limits, delimiter=delimiter,
                              header_score=lambda cells: score_header(cells, aliases))
    sheet, header = _pick_sheet(sheets, kind)
    if sum(1 for number, _ in sheet.rows if number > header.row) > (limits or Limits()).max_rows:
        raise too_many_rows(limits or Limits())
    return validate_rows(sheet, header, kind)


def _pick_sheet(sheets: list[Sheet], kind: str) -> tuple[Sheet, Header]:
    first_error: ImportFileError | None = None
    for sheet in sheets:
        try:
            return sheet, find_header(sheet.rows, LAYOUTS[kind])
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
    for number, cells in data_rows:
        context = row_rules.RowContext(number, cells, header)
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
    return ImportResult(kind, sheet.name, header.row, len(data_rows), tuple(records), tuple(errors))


def _key_field(kind: str) -> str:
    return "name" if kind == "organizations" else "full_name"
