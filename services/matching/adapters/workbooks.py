"""XLSX downloads of the matching service: one sheet, a bold frozen header, text that never runs as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> bytes:
    """A workbook of one sheet as .xlsx bytes, written row by row (write-only: a large run stays small in memory).

    Text that looks like a formula (`=…`) is kept as text; characters a workbook cannot hold are dropped."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, bold) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet: object, value: object, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if cell.data_type == "f":
        cell.data_type = "s"  # text that looks like a formula stays text
    if font is not None:
        cell.font = font
    return cell
