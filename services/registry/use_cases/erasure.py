"""Erasure of a person's data (152-ФЗ, ст. 14 and 21): on the person's request, and by retention for people
withdrawn longer than the configured period.

An erased mentor or mentee keeps the row, its id, place, request and status, so every count and indicator stays
equal; the name becomes a pseudonym and the contacts and free texts go, here and in the audit trail and the outbox.
The `erased` event tells matching and reports to replace the name in their copies. Erasure is final: a second one
changes nothing (200 with the same record), and an erased record cannot be edited back to a name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from services.registry.adapters.audit_log import record_audit
from services.registry.adapters.erasure import scrub_application, scrub_audit, scrub_outbox, scrub_preferred_name
from services.registry.adapters.lookups import locked
from services.registry.adapters.person_kinds import MENTORS, PersonKind
from services.registry.adapters.tables import Application
from services.registry.domain.changes import bump_version
from services.registry.domain.personal_data import erased_values, pseudonym, retention_cutoff
from services.registry.domain.roles import ERASERS
from services.registry.use_cases.results import PersonCard, person_card
from shared.auth import Principal, Role
from shared.config import Settings
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.events import utcnow
from shared.sealing import seal

RETENTION = Principal(subject="retention", role=Role.ADMIN)
"""The author of erasures by retention in the audit trail (`admin:retention`)."""
RETENTION_BATCH = 200


def erase_person(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind, person_id: str,
                 reason: str) -> PersonCard:
    """Pseudonymise one mentor or mentee inside the caller's scope on the person's request (404 outside it)."""
    principal.require(*ERASERS)
    row = locked(uow.session, kind.model, person_id, kind.label)
    principal.require_scope(organization_id=row.organization_id, municipality_id=row.municipality_id,
                            region_id=row.region_id)
    if row.erased_at is None:
        _erase(uow, settings, principal, kind, row, {"reason": reason, "basis": "request"})
        scrub_outbox(uow.session, {row.id: seal(settings, row.full_name)}, kind.entity)
    uow.commit()
    return person_card(uow.session, row)


def erase_withdrawn(uow: UnitOfWork, settings: Settings, kind: PersonKind, days: int, now: datetime | None = None,
                    limit: int = RETENTION_BATCH) -> int:
    """Pseudonymise up to `limit` people of this kind withdrawn more than `days` days ago (a withdrawn record
    changes no more, so its `updated_at` is the withdrawal); returns how many. Run it until it returns 0."""
    model: Any = kind.model
    cutoff = retention_cutoff(now or utcnow(), days)
    rows = uow.session.exec(select(model).where(model.status == "withdrawn", model.erased_at.is_(None),
                                                model.updated_at < cutoff)
                            .order_by(model.updated_at, model.id).limit(limit).with_for_update()).all()
    for row in rows:
        _erase(uow, settings, RETENTION, kind, row, {"basis": "retention", "retention_days": days})
    if rows:
        scrub_outbox(uow.session, {row.id: seal(settings, row.full_name) for row in rows}, kind.entity)
    uow.commit()
    return len(rows)


def erase_old_applications(uow: UnitOfWork, days: int, now: datetime | None = None,
                           limit: int = RETENTION_BATCH) -> int:
    """Pseudonymise up to `limit` applications from the public bank decided (or waiting) more than `days` days ago:
    a declined one has served its purpose, a selected or accepted one lives on in its person's record. The row, its
    kind, status, places and dates stay (the audit trail names it); returns how many. Run it until it returns 0."""
    cutoff = retention_cutoff(now or utcnow(), days)
    rows = uow.session.exec(select(Application).where(
        Application.erased_at.is_(None),  # type: ignore[union-attr]
        func.coalesce(Application.decided_at, Application.created_at) < cutoff)
        .order_by(Application.created_at, Application.id).limit(limit).with_for_update()).all()
    for row in rows:
        row.full_name = pseudonym(row.id)
        row.normalized_name = normalize(row.full_name)
        row.email, row.message, row.erased_at = "", None, utcnow()
        record_audit(uow.session, RETENTION, "application", row.id, "erased",
                     {"basis": "retention", "retention_days": days})
    uow.commit()
    return len(rows)


def _erase(uow: UnitOfWork, settings: Settings, principal: Principal, kind: PersonKind, row: Any,
           audit: dict[str, Any]) -> None:
    old_name, name = row.full_name, pseudonym(row.id)
    columns = set(kind.model.__table__.c.keys())
    for field, value in erased_values(row.id, columns).items():
        setattr(row, field, value)
    row.erased_at = utcnow()
    bump_version(row, principal.actor)
    uow.session.add(row)
    uow.session.flush()
    session = uow.session
    scrub_audit(session, row.id, old_name, name)
    scrub_application(session, row.id, name)
    if kind is MENTORS:
        scrub_preferred_name(session, row.region_id, old_name, name)
    record_audit(session, principal, kind.entity, row.id, "erased", audit)  # never the old name
    uow.publish(kind.event(settings, row, "erased"))  # the callers then scrub the outbox (it holds the pseudonym)
