"""The lock every writer that fills mentors' slots in a region takes first (runs, manual pairs, transitions)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def lock_capacity(session: Session, region_id: str) -> None:
    """Serialise every writer that fills mentors' slots in a region (SQLite's write lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"capacity:{region_id}"})
