"""Indicators as XLSX in the seed 000 table layout: one sheet per level, Russian headers, numbers and dates.

Columns: № (of seed 000's table; empty for the indicators it does not list) · показатель · значение · цель ·
срок · выполнено. Percentages and counts stay numbers (Excel shows them with the reader's decimal comma); a
yes/no fact is «да»/«нет»; the heading of each block names the place and the day or period in Russian.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from services.reports.adapters.russian import MET, day, is_flag
from services.reports.adapters.tables import OrganizationRow
from services.reports.domain.results import Indicator
from shared.scopes import Scope

HEADER = ["№", "Наименование показателя", "Значение", "Целевое значение", "Срок достижения", "Выполнено"]
LEVELS = [("region", "Регион"), ("municipality", "Районы"), ("organization", "Организации")]
WIDTHS = (6, 70, 14, 16, 40, 12)


def _cell(item: Indicator, value: float | None) -> str | float | None:
    if value is None:
        return "нет данных"
    if is_flag(item):
        return "да" if value >= 1 else "нет"
    return round(value, 1)


def _when(items: list[Indicator]) -> str:
    if not items:
        return ""
    first = items[0]
    if first.period is not None:
        return f"за период {day(first.period.start)} – {day(first.period.end)}"
    return f"на {day(first.as_of)}"


def _block(sheet: Any, title: str, items: list[Indicator]) -> None:
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", f"{title}, {_when(items)}")])  # names may carry control chars
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    sheet.append(HEADER)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for item in items:
        label = item.label_ru if is_flag(item) or not item.unit else f"{item.label_ru}, {item.unit}"
        target = None if item.target is None else _cell(item, item.target)
        sheet.append([item.number, label, _cell(item, item.value), target, item.deadline_ru or "—", MET[item.met]])
        row = sheet.max_row
        for column in (2, 5):
            sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
        for column in (3, 4):
            if isinstance(sheet.cell(row, column).value, float):
                sheet.cell(row, column).number_format = "0.0"
    sheet.append([])


def indicators_workbook(scope: Scope, orgs: Sequence[OrganizationRow],
                        indicators_of: Callable[[Scope], list[Indicator]],
                        region_title: Callable[[str], str] | None = None) -> bytes:
    """The scope's own sheet, then a sheet for each lower level with a block per municipality or organization.

    `orgs` are the organizations of the scope's region in sheet order; `indicators_of` computes one block;
    `region_title` names a region (the settings' names).
    """
    book = Workbook()
    start = [k for k, _ in LEVELS].index(scope.kind)
    first = True
    for kind, title in LEVELS[start:]:
        sheet = book.active if first else book.create_sheet()
        sheet.title = title
        first = False
        for entity_id, name in entities(kind, scope, orgs, region_title):
            _block(sheet, name, indicators_of(Scope(kind, entity_id)))  # type: ignore[arg-type]
        for column, width in zip("ABCDEF", WIDTHS, strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def entities(kind: str, scope: Scope, orgs: Sequence[OrganizationRow],
             region_title: Callable[[str], str] | None = None) -> list[tuple[str, str]]:
    """The municipalities or organizations of `kind` that lie inside the scope, with their names."""
    inside = [o for o in orgs if scope.includes(o.id, o.municipality_id, o.region_id)]
    if kind == "region":
        return [(scope.id, region_title(scope.id) if region_title else "Регион")]
    if kind == "municipality":
        seen: dict[str, str] = {}
        for org in inside:
            seen.setdefault(org.municipality_id, org.municipality_name)
        return sorted(seen.items(), key=lambda item: item[1])
    return [(o.id, f"{o.name} ({o.municipality_name})") for o in inside]
