"""Indicators as XLSX in the seed 000 table layout: one sheet per level, Russian headers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, select

from services.reports import service
from services.reports.adapters.tables import OrganizationRow
from services.reports.facts import Period, Scope
from services.reports.indicators import Indicator, compute_all

HEADER = ["№", "Наименование показателя", "Значение", "Целевое значение", "Достигнуто"]
MET = {True: "да", False: "нет", None: "—"}


def _value(indicator: Indicator) -> str | float | None:
    if indicator.value is None:
        return "нет данных"
    return round(indicator.value, 1) if indicator.unit == "%" else indicator.value


def _block(sheet, title: str, items: list[Indicator]) -> None:
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


def indicators_workbook(session: Session, scope: Scope, period: Period | None) -> bytes:
    """The scope's own sheet, then a sheet for each lower level with a block per municipality or organization."""
    now = datetime.now(UTC)
    facts = service.load_facts(session, service.region_of(session, scope))
    targets = service.targets(session)
    orgs = list(session.exec(select(OrganizationRow).where(OrganizationRow.region_id == facts_region(facts, scope))
                             .order_by(OrganizationRow.municipality_name, OrganizationRow.name)).all())
    book = Workbook()
    levels = [("region", "Регион"), ("municipality", "Районы"), ("organization", "Организации")]
    start = [k for k, _ in levels].index(scope.kind)
    first = True
    for kind, title in levels[start:]:
        sheet = book.active if first else book.create_sheet()
        sheet.title = title
        first = False
        for entity_id, name in entities(kind, scope, orgs):
            _block(sheet, name, compute_all(facts, Scope(kind, entity_id), period, targets, now))  # type: ignore[arg-type]
        for column, width in zip("ABCDE", (6, 60, 14, 18, 12), strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def facts_region(facts, scope: Scope) -> str:
    return scope.id if scope.kind == "region" else next(
        (o.region_id for o in facts.organizations if scope.includes(o.id, o.municipality_id, o.region_id)), "")


def entities(kind: str, scope: Scope, orgs: list[OrganizationRow]) -> list[tuple[str, str]]:
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
