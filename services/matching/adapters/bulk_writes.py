"""Writing a run's proposals in bulk: rows straight into the pair table, on a connection tuned for one big write."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from services.matching.adapters.tables import Pair, RunProposal
from shared.db import bulk_insert

PAIR_COLUMNS = ("id", "version", "state", "mentor_id", "mentee_id", "run_id", "form", "role_model", "cost", "region_id",
                "municipality_id", "organization_id", "mentor_organization_id", "mentee_category", "mentee_subject",
                "mentee_stage", "mentee_is_student", "proposed_at", "expires_at", "updated_at", "updated_by")
PROPOSAL_COLUMNS = ("id", "run_id", "mentor_id", "mentee_id", "cost", "region_id", "municipality_id",
                    "organization_id", "mentor_organization_id", "mentee_category", "mentee_subject", "mentee_stage",
                    "mentee_is_student", "decision", "change", "pinned")
PAGE_CACHE_BYTES_PER_PROPOSAL = 256  # entries of the three random-key pair indexes (mentee, mentor, scope), with slack
PAGE_CACHE_MAX_KIB = 1 << 20


def insert_pairs(session: Session, rows: Iterable[Sequence[Any]]) -> None:
    """Insert pair rows given as tuples in `PAIR_COLUMNS` order."""
    bulk_insert(session, Pair.__table__, rows, columns=PAIR_COLUMNS)


def insert_proposals(session: Session, rows: Iterable[Sequence[Any]]) -> None:
    """Insert a draft's proposal rows given as tuples in `PROPOSAL_COLUMNS` order (the same bulk path as pairs)."""
    bulk_insert(session, RunProposal.__table__, rows, columns=PROPOSAL_COLUMNS)


@contextlib.contextmanager
def bulk_connection(engine: Engine, proposals: int) -> Iterator[Any]:
    """A connection for one large write; on SQLite its page cache grows for the transaction, then shrinks back.

    Inserting a million proposals touches random pages of three pair indexes (mentee, mentor, scope);
    once those no longer fit the cache, inserts spill and reread pages. Pages appended at the end of the
    table and of the other indexes are used once and leave the cache first, so it is sized for those three
    indexes only (about 240 MiB for a million). The setting is per connection, so it is restored before the
    connection goes back to the pool.
    """
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
        kib = min(PAGE_CACHE_MAX_KIB, PAGE_CACHE_BYTES_PER_PROPOSAL * proposals // 1024)
        previous = raw.execute("PRAGMA cache_size").fetchone()[0] if raw is not None else None
        if raw is not None and (previous >= 0 or kib > -previous):
            raw.execute(f"PRAGMA cache_size=-{kib}")
        try:
            yield connection
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA cache_size={previous}")
