"""Lists of mentors and mentees read as plain columns (no ORM objects), and their totals counted once per state.

A page of fifty people as SQLModel objects cost more than the query itself (identity map, pydantic defaults,
expiry on rollback); the rows are read as tuples, with the names of the organization and the municipality
joined in the same query, and turned into the answer's dicts by the view.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel import Session

from services.registry.adapters.person_kinds import PersonKind
from services.registry.adapters.tables import Municipality, Organization, outbox


def selected_names(kind: PersonKind) -> list[str]:
    """The names of the values of a `person_list_select` row, in order."""
    return [*(c.name for c in kind.model.__table__.columns), "organization_name", "municipality_name"]


@functools.cache
def person_list_select(kind: PersonKind) -> Select:
    """SELECT of every column of the person plus `organization_name` and `municipality_name` (empty strings when
    unknown, as `names_of` reads them; an organization always has its municipality, a foreign key)."""
    table, organization, municipality = kind.model.__table__, Organization.__table__, Municipality.__table__
    names = (func.coalesce(organization.c.name, "").label("organization_name"),
             func.coalesce(municipality.c.name, "").label("municipality_name"))
    return (select(*table.columns, *names)
            .select_from(table.outerjoin(organization, organization.c.id == table.c.organization_id)
                         .outerjoin(municipality, municipality.c.id == organization.c.municipality_id)))


class ListTotals:
    """How many rows a list's filters match, kept per registry position and shared by one process's requests.

    Every change of a mentor or mentee commits together with its outbox row, so the outbox's last row (its sequence
    number and event id, unique even if numbers were ever reused after a purge) names the state of those tables: a
    count made in a snapshot at position P holds in every snapshot at P. On SQLite writers take the lock at BEGIN,
    so rows commit in sequence order; on PostgreSQL a later number may commit before an earlier one, so there the
    rows are counted on every call.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._counts: dict[Hashable, tuple[tuple[Any, ...], int]] = {}
        self._lock = threading.Lock()
        table = outbox.table
        self._last_event = select(table.c.seq, table.c.event_id).order_by(table.c.seq.desc()).limit(1)

    def count(self, session: Session, key: Hashable, count: Callable[[], int]) -> int:
        """`count()`, or the number counted before at the same registry position for the same `key`."""
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return count()
        position = tuple(connection.execute(self._last_event).first() or ())
        with self._lock:
            known = self._counts.get(key)
        if known is not None and known[0] == position:
            return known[1]
        counted = count()
        with self._lock:
            if len(self._counts) >= self.size and key not in self._counts:
                self._counts.pop(next(iter(self._counts)))
            self._counts[key] = (position, counted)
        return counted


def visibility_key(principal: Any) -> Hashable:
    """What of a principal decides which rows it sees (`visible_rows`): its role and scope."""
    return (principal.role.value, principal.scope_kind, principal.scope_id)
