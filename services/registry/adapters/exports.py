"""The bank of mentors in the seed's column layout (XLSX, or CSV that Excel opens safely), and the base of mentees
in the mentees' import layout."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from services.registry.adapters.tables import Mentee, Mentor
from services.registry.adapters.workbooks import one_sheet, to_bytes
from shared.dictionaries import label, labels

BANK_COLUMNS = [
    "Район", "ОО, где работает наставник", "ФИО наставника", "Наставляемый. Кто может стать наставляемым",
    "Предмет", "Направление совместной деятельности", "Примерный стаж наставляемого",
    "Предполагаемая категория наставляемого", "Электронный адрес наставника, страница (если есть)",
    "Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию",
    "Квалификационная категория",
]
BANK_WIDTHS = [22, 34, 32, 30, 26, 34, 14, 20, 34, 26, 12, 20, 12, 20]
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


def mentee_rows(mentees: Iterable[Mentee], names: dict[str, tuple[str, str]],
                mentor_names: dict[str, str]) -> list[list[object]]:
    """One row per mentee in the columns of the mentees' import layout, values as the importer reads them back.

    The request cell is the directions, then `; ` and the deficits; the preferred mentor is the name as written
    at the import, else the names of the preferred mentors (`mentor_names`: id → full name).
    """
    rows: list[list[object]] = []
    for m in mentees:
        org_name, muni_name = names.get(m.organization_id, ("", ""))
        request = "; ".join(filter(None, [labels("directions", m.directions), m.deficits or ""]))
        preferred = m.preferred_mentor_name or "; ".join(
            mentor_names[i] for i in m.preferred_mentor_ids if i in mentor_names)
        rows.append([
            muni_name, org_name, m.full_name, labels("subjects", [s for s in [m.subject, *m.extra_subjects] if s]),
            label("stages", m.stage) if m.stage else "", m.experience_years,
            label("mentee_categories", m.category), request, labels("formats", m.formats), preferred,
        ])
    return rows


def to_xlsx(rows: list[list[object]]) -> bytes:
    """The bank as a workbook: the header row in bold and frozen; text that looks like a formula stays text."""
    return to_bytes(one_sheet(SHEET_TITLE, BANK_COLUMNS, rows, BANK_WIDTHS))


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
