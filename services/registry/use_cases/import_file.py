"""The import use case (one file, one transaction, idempotent by natural key, one event per changed entity) and
the blank templates of the layouts."""

from __future__ import annotations

from typing import Any

from services.registry.adapters.templates import blank_template
from services.registry.domain.roles import WRITERS
from services.registry.importing.importer import ImportResult, Kind, import_file
from services.registry.importing.records import OrganizationRecord, Record
from services.registry.use_cases.import_apply import Importer
from shared.auth import Principal
from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import ValidationFailed


def run_import(uow: UnitOfWork, settings: Settings, principal: Principal, *, kind: Kind, data: bytes, filename: str,
               content_type: str | None, dry_run: bool, on_error: str, region_id: str) -> dict[str, Any]:
    """Parse, check scope, and apply; `abort` writes nothing when any row is invalid. Returns the report."""
    principal.require(*WRITERS)
    result = import_file(data, filename, content_type, kind)
    importer = Importer(uow, settings, principal, region_id, kind)
    errors = list(result.errors)
    accepted: list[Record] = []
    for imported in result.records:
        record = imported.record
        organization = record.name if isinstance(record, OrganizationRecord) else record.organization
        problem = importer.scope_error(imported.row, record.municipality, organization)
        if problem:
            errors.append(problem)
        else:
            accepted.append(record)
    errors.sort(key=lambda e: (e.row, e.column))
    report: dict[str, Any] = {"kind": kind, "dry_run": dry_run, "rows": result.rows, "valid": len(accepted),
                              "created": 0, "updated": 0, "unchanged": 0, "skipped": 0,
                              "errors": [e.as_dict() for e in errors], **layout_report(result)}
    if errors and on_error == "abort":
        raise ValidationFailed(f"В файле ошибок: {len(errors)}; ничего не записано. Исправьте строки или загрузите "
                               "с on_error=skip, чтобы записать верные строки.", **report)
    importer.run(accepted)
    report.update(created=importer.counts.created, updated=importer.counts.updated,
                  unchanged=importer.counts.unchanged, skipped=result.rows - len(accepted))
    if dry_run:
        uow.rollback()
    else:
        uow.commit()
    return report


def layout_report(result: ImportResult) -> dict[str, Any]:
    """Which layout the header row was recognised as, the headers it expects and those ignored as unknown."""
    warnings = [f"Столбец «{name}» не распознан и не загружен" for name in result.unknown_columns]
    if result.unknown_columns:
        warnings.append("Ожидаемые столбцы: " + ", ".join(f"«{name}»" for name in result.expected_columns))
    return {"layout": result.layout, "layout_name": result.layout_name,
            "unknown_columns": list(result.unknown_columns), "expected_columns": result.expected_columns,
            "warnings": warnings}


def import_template(principal: Principal, kind: str) -> bytes:
    """The blank template of a layout (XLSX), for those who may import: operators, school curators, the admin."""
    principal.require(*WRITERS)
    return blank_template(kind)
