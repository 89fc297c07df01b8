"""XLSX files the registry writes, streamed row by row: a bold, frozen header row, then rows whose text never runs
as a formula.

xlsxwriter in `constant_memory` mode flushes each row to a temporary file as soon as the next one starts, so a
bank of 100 000 mentors costs the memory of one row, not of a sheet (openpyxl kept every cell and re-read the
sheet's extent after each row: a quadratic export). The finished book is itself a temporary file that the view
sends in chunks.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO

import xlsxwriter

# characters an XML 1.0 document (so a workbook) cannot hold: dropped from text
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")
_OPTIONS = {"constant_memory": True, "in_memory": False, "strings_to_formulas": False,
            "strings_to_numbers": False, "strings_to_urls": False}


class StreamedBook:
    """A workbook written sheet after sheet, row after row, into a temporary file."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
        self.book = xlsxwriter.Workbook(self.file, _OPTIONS)
        self.header_format = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})

    def sheet(self, title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
              widths: Sequence[int] | None = None) -> int:
        """Add a sheet: the header (bold, wrapped, frozen), then the rows; return how many rows were written.

        Text is always written as text, so a value that looks like a formula (`=…`) stays as typed and a
        re-import reads the same value; characters a workbook cannot hold are dropped. Without `widths`, a
        column is as wide as its header.
        """
        sheet = self.book.add_worksheet(title[:31])
        for index, width in enumerate(widths or [max(14, min(len(name) + 4, 48)) for name in header]):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(header), self.header_format)
        count = 0
        for count, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                _write(sheet, count, column, value)
        return count

    def close(self) -> IO[bytes]:
        """Finish the book; the file, rewound, for the response to send."""
        self.book.close()
        self.file.seek(0)
        return self.file


def _write(sheet: xlsxwriter.worksheet.Worksheet, row: int, column: int, value: object) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime | date):
        sheet.write_string(row, column, value.strftime("%d.%m.%Y"))
    else:
        text = str(value)
        sheet.write_string(row, column, text if text.isprintable() else ILLEGAL_CHARACTERS.sub("", text))


def one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
              widths: Sequence[int] | None = None) -> IO[bytes]:
    """A workbook of one sheet (`StreamedBook.sheet`), as a rewound temporary file."""
    book = StreamedBook()
    book.sheet(title, header, rows, widths)
    return book.close()


def to_bytes(file: IO[bytes]) -> bytes:
    """The whole file's bytes (for small books: templates, tests), the file closed."""
    with file:
        return file.read()
