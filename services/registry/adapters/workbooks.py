"""XLSX sheets the registry writes: a bold, frozen header row, then rows whose text never runs as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet


def fill_sheet(sheet: Worksheet, title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
               widths: Sequence[int] | None = None) -> Worksheet:
    """Title the sheet, write the header (bold, wrapped, frozen) and the rows.

    Text that looks like a formula (`=…`) is stored as text, unchanged, so a re-import reads the same value;
    characters a workbook cannot hold are dropped. Without `widths`, a column is as wide as its header.
    """
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
    sizes = widths or [max(14, min(len(name) + 4, 48)) for name in header]
    for index, width in enumerate(sizes, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    sheet.freeze_panes = "A2"
    return sheet


def one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[object]],
              widths: Sequence[int] | None = None) -> Workbook:
    """A workbook of one sheet (`fill_sheet`)."""
    book = Workbook()
    fill_sheet(book.active, title, header, rows, widths)
    return book


def to_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
