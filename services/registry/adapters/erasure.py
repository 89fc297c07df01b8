"""Where else the registry keeps an erased person's data, and how it is scrubbed there: the audit trail (their
own records and any text quoting their name), the outbox (the events already written about them, sent or not),
the mentees who wrote the erased mentor's name as the mentor they prefer, and the application that brought the person
in from the public bank."""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import LargeBinary, func, literal, update
from sqlmodel import Session, and_, or_, select

from services.registry.adapters.tables import Application, AuditRecord, Mentee, outbox
from services.registry.domain.personal_data import scrub_changes
from shared.dictionaries import normalize
from shared.events import utcnow

SEALED_NAME = "full_name_sealed"
"""The name in a mentor's or mentee's event, sealed with the services' key (shared/sealing.py)."""


def scrub_audit(session: Session, person_id: str, old_name: str, name: str) -> int:
    """Replace the person's data in the audit trail: in their own records field by field, in a mentee's record
    the name quoted as the preferred mentor (not any namesake's record). The records themselves (who changed
    what, when) stay. Returns the records rewritten."""
    rows = session.exec(select(AuditRecord).where(
        AuditRecord.changes.is_not(None),  # type: ignore[union-attr]
        or_(AuditRecord.entity_id == person_id,
            and_(AuditRecord.changes.contains(old_name),  # type: ignore[union-attr]
                 AuditRecord.changes.contains("preferred_mentor_name"))))).all()  # type: ignore[union-attr]
    for row in rows:
        text = row.changes or ""
        if row.entity_id == person_id:
            text = json.dumps(scrub_changes(json.loads(text), name), ensure_ascii=False, default=str)
        row.changes = text.replace(old_name, name)
        session.add(row)
    return len(rows)


def scrub_outbox(session: Session, names: dict[str, str], kind: str) -> int:
    """Rewrite the sealed name in every outbox row about these people (`names`: person id → their pseudonym,
    sealed; an event's subject is the person's id): the body keeps its id, type and time, so a relay that has not
    sent it yet sends the scrubbed one (the old name, sealed, opens with the services' key: it goes too). One
    person: the rows holding the id are searched; several (retention): one pass over the events of their kind.
    Returns the rows rewritten."""
    table = outbox.table
    if len(names) == 1:
        needle = b'"subject":"' + next(iter(names)).encode() + b'"'  # orjson writes no spaces
        found = _holds(session, table.c.body, needle)
    else:
        found = table.c.subject.startswith(f"mentoring.{kind}.")
    rewritten = 0
    for seq, body in session.execute(select(table.c.seq, table.c.body).where(found)).all():
        event = orjson.loads(body)
        name = names.get(event.get("subject"))
        if name is None:
            continue
        data: dict[str, Any] = event.get("data") or {}
        if SEALED_NAME in data:
            data[SEALED_NAME] = name
        session.execute(update(table).where(table.c.seq == seq).values(body=orjson.dumps(event)))
        rewritten += 1
    return rewritten


def _holds(session: Session, column: Any, needle: bytes) -> Any:
    """`column` (binary) contains `needle`: LIKE is not defined for binary columns, each dialect has its search."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(column, needle) > 0
    return func.position(literal(needle, LargeBinary).op("IN")(column)) > 0


def scrub_preferred_name(session: Session, region_id: str, old_name: str, name: str) -> int:
    """Mentees of the region who wrote the erased mentor's name as the one they prefer get the pseudonym there."""
    quoting = Mentee.preferred_mentor_name.contains(old_name)  # type: ignore[union-attr]
    rows = session.exec(select(Mentee).where(Mentee.region_id == region_id, quoting)).all()
    for row in rows:
        row.preferred_mentor_name = (row.preferred_mentor_name or "").replace(old_name, name)
        session.add(row)
    return len(rows)


def scrub_application(session: Session, person_id: str, name: str) -> int:
    """The application the person was selected or accepted from: the pseudonym for the name, no e-mail, no text."""
    return session.exec(update(Application).where(Application.person_id == person_id).values(  # type: ignore[call-overload]
        full_name=name, normalized_name=normalize(name), email="", message=None, erased_at=utcnow())).rowcount
