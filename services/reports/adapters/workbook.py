"""Indicators as XLSX in the seed 000 table layout: one sheet per level, Russian headers."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from services.reports.adapters.tables import OrganizationRow
from services.reports.domain.results import Indicator
from shared.scopes import Scope

HEADER = ["№", "Наименование показателя", "Значение", "Целевое значение", "Достигнуто"]
MET = {True: "да", False: "нет", None: "—"}
LEVELS = [("region", "Регион"), ("municipality", "Районы"), ("organization", "Организации")]


def _value(indicator: Indicator) -> str | float | None:
    if indicator.value is None:
        return "нет данных"
    return round(indicator.value, 1) if indicator.unit == "%" else indicator.value


def _block(sheet: Any, title: str, items: list[Indicator]) -> None:
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", title)])  # names and ids may carry control characters XML refuses
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    sheet.append(HEADER)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for number, item in enumerate(items, start=1):
        label = f"{item.label_ru}, {item.unit}" if item.unit else item.label_ru
        sheet.append([number, label, _value(item), item.target, MET[item.met]])
    sheet.append([])


def indicators_workbook(scope: Scope, orgs: Sequence[OrganizationRow],
                        indicators_of: Callable[[Scope], list[Indicator]]) -> bytes:
    """The scope's own sheet, then a sheet for each lower level with a block per municipality or organization.

    `orgs` are the organizations of the scope's region in sheet order; `indicators_of` computes one block.
    """
    book = Workbook()
    start = [k for k, _ in LEVELS].index(scope.kind)
    first = True
    for kind, title in LEVELS[start:]:
        sheet = book.active if first else book.create_sheet()
        sheet.title = title
        first = False
        for entity_id, name in entities(kind, scope, orgs):
            _block(sheet, name, indicators_of(Scope(kind, entity_id)))  # type: ignore[arg-type]
        for column, width in zip("ABCDE", (6, 60, 14, 18, 12), strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def entities(kind: str, scope: Scope, orgs: Sequence[OrganizationRow]) -> list[tuple[str, str]]:
    """The municipalities or organizations of `kind` that lie inside the scope, with their names."""
    inside = [o for o in orgs if scope.includes(o.id, o.municipality_id, o.region_id)]
    if kind == "region":
        return [(scope.id, f"Регион {scope.id}")]
    if kind == "municipality":
        seen: dict[str, str] = {}
        for org in inside:
            seen.setdefault(org.municipality_id, org.municipality_name)
        return sorted(seen.items(), key=lambda item: item[1])
    return [(o.id, f"{o.name} ({o.municipality_name})") for o in inside]
