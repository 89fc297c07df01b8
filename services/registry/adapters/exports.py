"""The bank of mentors in the seed's column layout, as XLSX or as CSV that Excel opens safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from services.registry.adapters.tables import Mentor
from shared.dictionaries import label, labels

BANK_COLUMNS = [
    "Район", "ОО, где работает наставник", "ФИО наставника", "Наставляемый. Кто может стать наставляемым",
    "Предмет", "Направление совместной деятельности", "Примерный стаж наставляемого",
    "Предполагаемая категория наставляемого", "Электронный адрес наставника, страница (если есть)",
    "Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию",
    "Квалификационная категория",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE = "Банк наставников"


def _experience(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f"более {low}"
    return f"{low or 0}-{high}"


def bank_rows(mentors: Iterable[Mentor], names: dict[str, tuple[str, str]]) -> list[list[object]]:
    """One row per mentor, columns as `BANK_COLUMNS`, values as operators write them."""
    rows: list[list[object]] = []
    for m in mentors:
        org_name, muni_name = names.get(m.organization_id, ("", ""))
        rows.append([
            muni_name, org_name, m.full_name, labels("mentee_categories", m.mentee_categories),
            labels("subjects", m.subjects), labels("directions", m.directions),
            _experience(m.mentee_experience_min, m.mentee_experience_max),
            label("qualification_categories", m.mentee_qualification) if m.mentee_qualification else "",
            m.email or m.page_url or "", labels("stages", m.stages), m.capacity, labels("formats", m.formats),
            "да" if m.consent_publication else "нет", label("qualification_categories", m.qualification_category),
        ])
    return rows


def to_xlsx(rows: list[list[object]]) -> bytes:
    """A workbook with the header row in bold and frozen; text that looks like a formula stays text."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(BANK_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
    for index, width in enumerate([22, 34, 32, 30, 26, 34, 14, 20, 34, 26, 12, 20, 12, 20], start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(rows: list[list[object]]) -> bytes:
    """UTF-8 with BOM and `;`, as Russian Excel expects; cells that look like formulas are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(BANK_COLUMNS)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
