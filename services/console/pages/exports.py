"""Spreadsheets the console writes itself: the base of mentees in the operators' layout (the registry exports
only the bank of mentors) and blank templates of the three import layouts.

The headers come from the registry's own layout definitions (`services.registry.columns`, a pure module of
the same image): its API publishes no list of headers and no blank template.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from services.console.pages.common import labels
from services.registry.columns import LAYOUTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_TITLES = {"mentors": "Банк наставников", "mentees": "База наставляемых", "organizations": "Организации"}
COLUMN_DICTIONARIES = {"subjects": "subjects", "stages": "stages", "directions": "directions", "formats": "formats",
                       "category": "mentee_categories", "mentee_kinds": "mentee_categories",
                       "mentee_qualification": "qualification_categories",
                       "qualification": "qualification_categories", "kind": "organization_kinds"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def attachment(filename: str) -> str:
    """Content-Disposition for a Russian file name (RFC 6266 / 5987) with an ASCII fallback."""
    return f"attachment; filename=export.{filename.rsplit('.', 1)[-1]}; filename*=UTF-8''{quote(filename)}"


def safe(value: Any) -> Any:
    """A cell value that a spreadsheet never runs as a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _workbook(title: str, header: list[str], rows: Iterable[list[Any]]) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([safe(v) for v in row])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(14, min(len(name) + 4, 48))
    sheet.freeze_panes = "A2"
    return book


def _bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def headers(kind: str, *, mark_required: bool = False) -> list[str]:
    """The layout's headers as operators write them (the first spelling the registry accepts)."""
    return [aliases[0] + ("*" if required and mark_required else "") for required, aliases in LAYOUTS[kind].values()]


def blank_template(kind: str) -> bytes:
    """An empty sheet with the layout's headers (* marks a required column) and a sheet of explanations."""
    book = _workbook(KIND_TITLES[kind], headers(kind, mark_required=True), [])
    notes = book.create_sheet("Пояснения")
    notes.append(["Столбец", "Обязательный", "Допустимые значения"])
    for field, (required, aliases) in LAYOUTS[kind].items():
        dictionary = COLUMN_DICTIONARIES.get(field)
        allowed = "; ".join(labels(dictionary).values()) if dictionary else ""
        notes.append([aliases[0], "да" if required else "нет", allowed])
    for column, width in (("A", 44), ("B", 14), ("C", 100)):
        notes.column_dimensions[column].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    return _bytes(book)


def mentees_xlsx(items: Iterable[dict[str, Any]]) -> bytes:
    """The base of mentees in the import layout of mentees (a re-import changes nothing it does not carry)."""
    subjects, stages, categories = labels("subjects"), labels("stages"), labels("mentee_categories")
    directions, formats = labels("directions"), labels("formats")
    rows = []
    for m in items:
        request_text = "; ".join(filter(None, [", ".join(directions.get(d, d) for d in m["directions"]),
                                               m.get("deficits") or ""]))
        rows.append([m["municipality_name"], m["organization_name"], m["full_name"],
                     ", ".join(subjects.get(s, s) for s in filter(None, [m["subject"], *m["extra_subjects"]])),
                     stages.get(m["stage"] or "", ""), m["experience_years"], categories.get(m["category"], ""),
                     request_text, ", ".join(formats.get(f, f) for f in m["formats"]),
                     m.get("preferred_mentor_name") or ""])
    return _bytes(_workbook(KIND_TITLES["mentees"], headers("mentees"), rows))
