"""What a record of a municipal fact must satisfy before it is stored: each refusal in Russian beside its field.

- the code is one of the municipal facts of seed 000 (rows 4, 5, 7–12);
- a yes/no fact is 1 (да) or 0 (нет); a count (rows 11 and 12) is a whole number from 0 to 10 000, and row 12
  counts at most the municipality's organizations;
- the date is not in the future and not before 2000;
- a fact that is there (a value above 0) carries its evidence: a link or a document (or both);
- a document is at most `MAX_EVIDENCE_BYTES` and of a kind an office opens: PDF, an image, a Word, Excel or
  OpenDocument file; its media type follows from its extension (what the client claims is not trusted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from services.reports.domain.catalog import FACT_CODES, SPECS_BY_CODE

MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
MAX_COUNT = 10_000
EARLIEST = date(2000, 1, 1)
MEDIA_TYPES: Mapping[str, str] = MappingProxyType({
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
})


@dataclass(frozen=True)
class FactEntry:
    """What an operator typed: which fact, where, its value and day, and the evidence."""

    code: str
    municipality_id: str
    value: float
    recorded_on: date
    evidence_url: str | None = None
    document_name: str | None = None
    document_size: int = 0


def media_type(file_name: str) -> str | None:
    """The media type of an accepted document by its extension; None for any other file."""
    _, dot, extension = file_name.rpartition(".")
    return MEDIA_TYPES.get(extension.lower()) if dot else None


def problems(entry: FactEntry, today: date, organizations: int | None = None) -> list[dict[str, str]]:
    """Every refusal of the entry as {field, message}; empty when it may be stored."""
    found: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        found.append({"field": field, "message": message})

    spec = SPECS_BY_CODE.get(entry.code)
    if spec is None or entry.code not in FACT_CODES:
        refuse("code", f"Неизвестный показатель «{entry.code[:50]}»; допустимы: {', '.join(FACT_CODES)}")
        return found
    if spec.source == "flag" and entry.value not in (0, 1):
        refuse("value", f"Показатель № {spec.number} — «да» (1) или «нет» (0)")
    elif spec.source != "flag" and (not float(entry.value).is_integer() or not 0 <= entry.value <= MAX_COUNT):
        refuse("value", f"Показатель № {spec.number} — целое число от 0 до {MAX_COUNT}")
    elif spec.source == "organizations" and organizations is not None and entry.value > organizations:
        refuse("value", f"Организаций с разделом не может быть больше, чем организаций района ({organizations})")
    if entry.recorded_on > today:
        refuse("recorded_on", "Дата не может быть позже сегодняшней")
    elif entry.recorded_on < EARLIEST:
        refuse("recorded_on", "Дата не может быть раньше 2000 года")
    if entry.value > 0 and not entry.evidence_url and not entry.document_name:
        refuse("evidence_url", "Укажите ссылку на подтверждение или приложите документ")
    if entry.document_name is not None:
        if media_type(entry.document_name) is None:
            refuse("file", "Документ — PDF, изображение (PNG, JPEG), DOCX, XLSX, ODT или ODS")
        elif entry.document_size > MAX_EVIDENCE_BYTES:
            refuse("file", f"Документ больше {MAX_EVIDENCE_BYTES // (1024 * 1024)} МБ: приложите ссылку "
                           "или документ поменьше")
        elif entry.document_size == 0:
            refuse("file", "Документ пуст")
    return found
