"""The audit log, read by the administrator."""

from __future__ import annotations

from services.registry.adapters.audit_log import audit_page
from services.registry.adapters.tables import AuditRecord
from services.registry.use_cases.results import Page
from shared.auth import Principal, Role
from shared.db import UnitOfWork


def read_audit(uow: UnitOfWork, principal: Principal, *, entity_id: str | None, actor: str | None,
               cursor: str | None, limit: int) -> Page[AuditRecord]:
    """One page of the audit log, newest first, narrowed by record and author (admin only)."""
    principal.require(Role.ADMIN)
    return Page(*audit_page(uow.session, entity_id=entity_id, actor=actor, cursor=cursor, limit=limit))
