"""What the spreadsheet readers share: a read sheet, the limits a file is read under, the file-level error."""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import ValidationFailed

Row = tuple[int, tuple[str, ...]]
HEADER_ALLOWANCE = 100


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported; `message` is Russian, `code` is stable for clients."""

    def __init__(self, message: str, code: str, status: int = 422) -> None:
        super().__init__(message, code=code)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Limits:
    """Upper bounds checked before and while a file is parsed."""

    max_bytes: int = 20 * 2**20
    max_rows: int = 200_000
    max_columns: int = 200
    max_cells: int = 5_000_000
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 200 * 2**20
    max_compression_ratio: int = 100
    max_zip_members: int = 1_000
    max_sheets: int = 50


@dataclass(frozen=True)
class Sheet:
    """One worksheet (or the CSV) as non-empty rows of text with their row numbers."""

    name: str
    rows: tuple[Row, ...]


def too_many_rows(limits: Limits) -> ImportFileError:
    """The error for a file with more data rows than the limit."""
    return ImportFileError(f"Слишком много строк: больше {limits.max_rows}", "too_many_rows")


def check_cells(cells: list[str] | tuple[str, ...], row: int, limits: Limits) -> None:
    """Raise `ImportFileError` if a cell of the row is longer than the limit."""
    if any(len(cell) > limits.max_cell_chars for cell in cells):
        raise ImportFileError(f"Строка {row}: ячейка длиннее {limits.max_cell_chars} символов",
                              "cell_too_large")
