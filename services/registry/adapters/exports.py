"""The bank of mentors in the seed's column layout (XLSX, or CSV that Excel opens safely), and the base of mentees
in the mentees' import layout, both written row by row from rows read in batches (`use_cases.exports`).

A row read for an export carries the person's columns and the names of their organization and municipality
(`organization_name`, `municipality_name`), so no lookup table of every organization is held.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import IO, Any

from shared.dictionaries import label
from shared.dictionaries import labels as plain_labels
from shared.xlsx import one_sheet

BANK_COLUMNS = [
    "Район", "ОО, где работает наставник", "ФИО наставника", "Наставляемый. Кто может стать наставляемым",
    "Предмет", "Направление совместной деятельности", "Примерный стаж наставляемого",
    "Предполагаемая категория наставляемого", "Электронный адрес наставника, страница (если есть)",
    "Уровень образования", "Максимум наставляемых", "Формат", "Согласие на публикацию",
    "Квалификационная категория", "Стаж наставника", "КПК по наставничеству", "Дата КПК", "Награды, звания",
    "Дата согласия на обработку персональных данных",
]
BANK_WIDTHS = [22, 34, 32, 30, 26, 34, 14, 20, 34, 26, 12, 20, 12, 20, 12, 14, 12, 30, 16]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE = "Банк наставников"


def _experience(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f"более {low}"
    return f"{low or 0}-{high}"


@lru_cache(maxsize=4096)
def _labels(dictionary: str, ids: tuple[str, ...]) -> str:
    return plain_labels(dictionary, ids)


def labels(dictionary: str, ids: Sequence[str]) -> str:
    """The Russian labels of ids, comma-separated (cached: a bank repeats the same few combinations)."""
    return _labels(dictionary, tuple(ids))


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _consent(person: Any) -> str:
    """The consent cell as the importer reads it back: its day, «да» without one, else «нет»."""
    if not person.consent_processing:
        return "нет"
    return _day(person.consent_processing_on) or "да"


def bank_rows(mentors: Iterable[Any]) -> Iterator[list[object]]:
    """One row per mentor, columns as `BANK_COLUMNS`, values as operators write them (and the importer reads)."""
    for m in mentors:
        yield [
            m.municipality_name, m.organization_name, m.full_name, labels("mentee_categories", m.mentee_categories),
            labels("subjects", m.subjects), labels("directions", m.directions),
            _experience(m.mentee_experience_min, m.mentee_experience_max),
            label("qualification_categories", m.mentee_qualification) if m.mentee_qualification else "",
            " ".join(filter(None, [m.email, m.page_url])), labels("stages", m.stages), m.capacity,
            labels("formats", m.formats), "да" if m.consent_publication else "нет",
            label("qualification_categories", m.qualification_category), m.experience_years,
            "да" if m.trained else "нет", _day(m.trained_on), m.honours or "", _consent(m),
        ]


def mentee_rows(mentees: Iterable[Any], mentor_names: dict[str, str]) -> Iterator[list[object]]:
    """One row per mentee in the columns of the mentees' import layout, values as the importer reads them back.

    The request cell is the directions, then `; ` and the deficits; the preferred mentor is the name as written
    at the import, else the names of the preferred mentors (`mentor_names`: id → full name).
    """
    for m in mentees:
        request = "; ".join(filter(None, [labels("directions", m.directions), m.deficits or ""]))
        preferred = m.preferred_mentor_name or "; ".join(
            mentor_names[i] for i in m.preferred_mentor_ids if i in mentor_names)
        yield [
            m.municipality_name, m.organization_name, m.full_name,
            labels("subjects", [s for s in [m.subject, *m.extra_subjects] if s]),
            label("stages", m.stage) if m.stage else "", m.experience_years,
            label("mentee_categories", m.category), request, labels("formats", m.formats), preferred,
            label("qualification_categories", m.qualification_category) if m.qualification_category else "",
            _consent(m),
        ]


def to_xlsx(rows: Iterable[list[object]]) -> IO[bytes]:
    """The bank as a workbook: the header row in bold and frozen; text that looks like a formula stays text."""
    return one_sheet(SHEET_TITLE, BANK_COLUMNS, rows, BANK_WIDTHS)


def to_csv(rows: Iterable[list[object]]) -> IO[bytes]:
    """UTF-8 with BOM and `;`, as Russian Excel expects; cells that look like formulas are neutralised."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(BANK_COLUMNS)
    writer.writerows([_safe(v) for v in row] for row in rows)
    text.flush()
    text.detach()
    file.seek(0)
    return file


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
