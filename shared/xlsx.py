"""XLSX files the services write, streamed row by row: a bold, frozen header row, then rows whose text never runs
as a formula.

xlsxwriter in `constant_memory` mode flushes each row to a temporary file as soon as the next one starts, so a
sheet of 100 000 rows costs the memory of one row, not of a sheet (openpyxl kept every cell and re-read the
sheet's extent after each row: a quadratic export). The finished book is itself a temporary file that a view
sends in chunks.

How a value becomes a cell depends on who reads the file: `for_reimport` keeps what an import reads back
(booleans as booleans, dates as `дд.мм.гггг` text), `for_people` writes «да»/«нет» and real dates shown as
`дд.мм.гггг`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import IO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# characters an XML 1.0 document (so a workbook) cannot hold: dropped from text
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")
MAX_TEXT = 32767  # the most characters a cell holds
_OPTIONS = {"constant_memory": True, "in_memory": False, "strings_to_formulas": False,
            "strings_to_numbers": False, "strings_to_urls": False, "remove_timezone": True}

CellWriter = Callable[["StreamedBook", Worksheet, int, int, object], None]


def text_of(value: object) -> str:
    """The value as text a workbook holds: characters it cannot hold dropped, at most `MAX_TEXT` long."""
    text = str(value)
    return (text if text.isprintable() else ILLEGAL_CHARACTERS.sub("", text))[:MAX_TEXT]


def for_reimport(book: StreamedBook, sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Booleans and numbers as such, dates as `дд.мм.гггг` text, everything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime | date):
        sheet.write_string(row, column, value.strftime("%d.%m.%Y"))
    else:
        sheet.write_string(row, column, text_of(value))


def for_people(book: StreamedBook, sheet: Worksheet, row: int, column: int, value: object) -> None:
    """«да»/«нет», numbers, real dates shown as `дд.мм.гггг` (with the time for a moment), everything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, column, "да" if value else "нет")
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, column, value, book.moment_format)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, book.day_format)
    else:
        sheet.write_string(row, column, text_of(value))


def sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Лист1"


class StreamedBook:
    """A workbook written sheet after sheet, row after row, into a temporary file."""

    def __init__(self, write_cell: CellWriter = for_reimport) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
        self.book = xlsxwriter.Workbook(self.file, _OPTIONS)
        self.write_cell = write_cell
        self.header_format: Format = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.day_format: Format = self.book.add_format({"num_format": "dd.mm.yyyy"})
        self.moment_format: Format = self.book.add_format({"num_format": "dd.mm.yyyy hh:mm"})

    def sheet(self, title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
              widths: Sequence[int] | None = None) -> int:
        """Add a sheet: the header (bold, wrapped, frozen), then the rows; return how many rows were written.

        Text is always written as text, so a value that looks like a formula (`=…`) stays as typed and a
        re-import reads the same value. Without `widths`, a column is as wide as its header.
        """
        sheet = self.book.add_worksheet(sheet_title(title))
        for index, width in enumerate(widths or [max(14, min(len(name) + 4, 48)) for name in header]):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(header), self.header_format)
        count = 0
        for count, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                self.write_cell(self, sheet, count, column, value)
        return count

    def close(self) -> IO[bytes]:
        """Finish the book; the file, rewound, for the response to send."""
        self.book.close()
        self.file.seek(0)
        return self.file


def one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
              widths: Sequence[int] | None = None, write_cell: CellWriter = for_reimport) -> IO[bytes]:
    """A workbook of one sheet (`StreamedBook.sheet`), as a rewound temporary file."""
    book = StreamedBook(write_cell)
    book.sheet(title, header, rows, widths)
    return book.close()


def to_bytes(file: IO[bytes]) -> bytes:
    """The whole file's bytes (for small books and the downloads answered as bytes), the file closed."""
    with file:
        return file.read()
