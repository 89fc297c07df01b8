"""XLSX downloads of the matching service: one sheet, a bold frozen header, text that never runs as a formula.

Written with xlsxwriter in constant-memory mode: each row goes to disk as it is written and nothing is read back,
so a sheet of 100k rows costs the same memory as one of ten."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import xlsxwriter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_TEXT = 32767  # the most characters a cell holds


def sheet_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> bytes:
    """A workbook of one sheet as .xlsx bytes, written row by row as `rows` yields them.

    Text is always written as text (`=…` does not become a formula, a link stays plain); characters a workbook
    cannot hold are dropped; dates show as дд.мм.гггг."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_title(title))
    bold, day, moment = (book.add_format({"bold": True}), book.add_format({"num_format": "dd.mm.yyyy"}),
                         book.add_format({"num_format": "dd.mm.yyyy hh:mm"}))
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_string(number, column, "да" if value else "нет")
            elif isinstance(value, int | float):
                sheet.write_number(number, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(number, column, value, moment)
            elif isinstance(value, date):
                sheet.write_datetime(number, column, value, day)
            else:
                sheet.write_string(number, column, ILLEGAL_CHARACTERS.sub("", str(value))[:MAX_TEXT])
    book.close()
    return buffer.getvalue()


def _title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Лист1"
