"""A mentor's or a mentee's own record: they read it and give their consent to processing themselves.

The consent is dated the day it is given and recorded in the audit log with the account that gave it, instead of a
curator typing a day; no one else gives it this way (a curator still records a paper consent by changing the card).
"""

from __future__ import annotations

from services.registry.adapters.audit_log import record_audit
from services.registry.adapters.lookups import locked
from services.registry.adapters.person_kinds import PersonKind
from services.registry.domain.changes import bump_version
from services.registry.use_cases.results import PersonCard, person_card
from shared.auth import Principal, Role
from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import utcnow


def give_consent(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind,
                 person_id: str) -> PersonCard:
    """The person consents to the processing of their data today (again: nothing changes)."""
    own_role = Role(kind.entity)
    if principal.is_anonymous or principal.role is not own_role:
        principal.require(own_role)  # 401 for the anonymous reader
        raise Forbidden(f"Согласие даёт только сам человек: роль «{own_role.value}»")
    if principal.scope_id != person_id:
        raise NotFound(f"{kind.label} с id {person_id} не найден")
    row = locked(uow.session, kind.model, person_id, kind.label)
    if row.erased_at is not None or row.status == "withdrawn":
        raise Conflict(f"{kind.label} выбыл из базы; согласие не требуется")
    if not row.consent_processing or row.consent_processing_on is None:
        today = utcnow().date()
        row.consent_processing, row.consent_processing_on = True, today
        bump_version(row, principal.actor)
        record_audit(uow.session, principal, kind.entity, row.id, "consent_given",
                     {"consent_processing_on": today.isoformat(), "given_by": principal.actor})
        uow.publish(kind.event(settings, row, "updated"))
    uow.commit()
    return person_card(uow.session, row)
