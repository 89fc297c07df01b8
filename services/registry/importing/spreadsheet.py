"""Read an uploaded XLSX or CSV into numbered rows of text, guarding against hostile files first.

Row numbers are the file's own: the Excel row number for XLSX (1-based, as Excel shows it) and, for
CSV, the 1-based line on which a record starts (a file without a title has its header on line 1).
Fully empty rows are dropped; values merged over several rows are written into every row of the range.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from services.registry.importing.sheets import (
    HEADER_ALLOWANCE,
    ImportFileError,
    Limits,
    Row,
    Sheet,
    check_cells,
    too_many_rows,
)
from services.registry.importing.xlsx import read_xlsx

CSV_SEPARATORS = (";", ",", "\t")
_ALLOWED_CONTROLS = "\t\r\n\x0b\x0c\x1a"


def read_spreadsheet(data: bytes, filename: str = "", content_type: str | None = None, *,
                     limits: Limits | None = None, delimiter: str | None = None,
                     header_score: Callable[[list[str]], int] | None = None) -> list[Sheet]:
    """Check and read XLSX or CSV bytes into sheets; raise `ImportFileError` for a hostile or broken file."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise ImportFileError(f"Файл больше {limits.max_bytes / 2**20:g} МБ", "file_too_large", 413)
    if not data.strip():
        raise ImportFileError("Файл пуст", "empty_file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("Формат XLS (или книга, защищённая паролем) не поддерживается: "
                              "сохраните файл как XLSX или CSV", "unsupported_format", 415)
    if data.startswith(b"PK"):
        return read_xlsx(data, limits)
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or ("spreadsheetml" in (content_type or "") and not name.endswith(".csv")):
        raise ImportFileError("Файл не является книгой XLSX или повреждён", "corrupt_file")
    return [read_csv(data, limits, delimiter=delimiter, header_score=header_score)]


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, UTF-16 with BOM, else Windows-1251."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1251")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ch < " " and ch not in _ALLOWED_CONTROLS for ch in text[:65536]):
            break
        return text
    raise ImportFileError("Файл не похож на таблицу: ожидается XLSX или CSV (UTF-8 или Windows-1251)",
                          "not_spreadsheet", 415)


def _pick_separator(text: str, header_score: Callable[[list[str]], int] | None) -> str:
    head = [line for line in text.splitlines()[:50] if line.strip()][:30]
    if not head:
        raise ImportFileError("Файл пуст", "empty_file")

    def score(separator: str) -> tuple[int, int]:
        try:
            rows = list(csv.reader(head, delimiter=separator))
        except csv.Error:
            return (-1, -1)
        known = max((header_score(row) for row in rows), default=0) if header_score else 0
        return known, max(len(row) for row in rows)

    return max(CSV_SEPARATORS, key=score)


def read_csv(data: bytes, limits: Limits, *, delimiter: str | None = None,
             header_score: Callable[[list[str]], int] | None = None) -> Sheet:
    """Read CSV bytes into one sheet; the separator is `;`, `,` or tab, whichever reads the header best."""
    text = decode_text(data)
    separator = delimiter or _pick_separator(text, header_score)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[Row] = []
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if len(record) > limits.max_columns:
                raise ImportFileError(f"Слишком много столбцов: больше {limits.max_columns} (строка {start})",
                                      "too_many_columns")
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= limits.max_rows + HEADER_ALLOWANCE:
                raise too_many_rows(limits)
            check_cells(record, start, limits)
            rows.append((start, tuple(record)))
    except csv.Error as error:
        if "field limit" in str(error):
            raise ImportFileError(f"Строка {line}: ячейка длиннее {limits.max_cell_chars} символов",
                                  "cell_too_large") from error
        raise ImportFileError(f"Ошибка разбора CSV в строке {line}: {error}", "corrupt_file") from error
    return Sheet("CSV", tuple(rows))
