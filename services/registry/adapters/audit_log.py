"""The audit log: who changed which record, when and what changed (written in the change's transaction)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from services.registry.adapters.tables import AuditRecord
from shared.auth import Principal
from shared.errors import BadRequest
from shared.events import utcnow


def record_audit(session: Session, principal: Principal, entity: str, entity_id: str, action: str,
                 changes: dict[str, Any] | None = None) -> None:
    """Add one audit record to the session."""
    session.add(AuditRecord(actor=principal.actor, entity=entity, entity_id=entity_id, action=action,
                            changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None))


def audit_values(principal: Principal, entity: str, entity_id: str, action: str,
                 changes: dict[str, Any]) -> dict[str, Any]:
    """One audit record as column values, for a bulk insert."""
    return {"at": utcnow(), "actor": principal.actor, "entity": entity, "entity_id": entity_id,
            "action": action, "changes": json.dumps(changes, ensure_ascii=False, default=str)}


def audit_page(session: Session, *, entity_id: str | None, actor: str | None, cursor: str | None,
               limit: int) -> tuple[list[AuditRecord], str | None]:
    """Newest first, narrowed by record and author; the cursor is the id of the last record shown."""
    stmt = select(AuditRecord).order_by(AuditRecord.id.desc())
    if entity_id:
        stmt = stmt.where(AuditRecord.entity_id == entity_id)
    if actor:
        stmt = stmt.where(AuditRecord.actor == actor)
    if cursor:
        if not cursor.isdigit():
            raise BadRequest("Некорректный курсор страницы")
        stmt = stmt.where(AuditRecord.id < int(cursor))
    rows = list(session.exec(stmt.limit(limit + 1)).all())
    return rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None
