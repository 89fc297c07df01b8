"""The region's monitoring overview as XLSX: indicators down, municipalities across, Russian headers."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from services.reports.domain.submission_overview import Overview

NO_VALUE = "—"


def _clean(text: str) -> str:
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))  # names may carry control characters XML refuses


def overview_workbook(overview: Overview) -> bytes:
    """One sheet: a title, the municipalities with where their reports stand, then one row per indicator."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Мониторинг"
    sheet.append([f"Мониторинг за {overview.half.label_ru}: сдали {overview.submitted} из {len(overview.columns)}"])
    sheet.cell(1, 1).font = Font(bold=True, size=12)
    sheet.append(["Показатель", *(_clean(column.name) for column in overview.columns)])
    sheet.append(["Состояние отчёта", *(column.status_label for column in overview.columns)])
    sheet.append(["Сдан", *(column.latest.submitted_at.strftime("%d.%m.%Y %H:%M") if column.latest else NO_VALUE
                            for column in overview.columns)])
    for row in (2, 3, 4):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for item in overview.rows:
        label = f"{item.label}, {item.unit}" if item.unit else item.label
        sheet.append([_clean(label), *(NO_VALUE if value is None else round(value, 1) for value in item.values)])
    sheet.column_dimensions["A"].width = 60
    for index in range(len(overview.columns)):
        sheet.column_dimensions[get_column_letter(index + 2)].width = 18
    sheet.freeze_panes = "B5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
