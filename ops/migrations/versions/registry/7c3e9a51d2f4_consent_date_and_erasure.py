"""consent date and erasure of mentors and mentees

Revision ID: 7c3e9a51d2f4
Revises: c2f32c8e0b2b
Create Date: 2026-11-26 12:45:00.000000

A person recorded with consent to processing before the date was kept gets the day of their record's creation:
consent was a condition of entering them (the flag was set then), so that day is the latest on which it can
have been given, and the person stays matched. NULL would have stopped every existing person at once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c3e9a51d2f4'
down_revision: str | None = 'c2f32c8e0b2b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("registry_mentor", "registry_mentee")


def upgrade() -> None:
    day = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "(created_at AT TIME ZONE 'UTC')::date"
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('consent_processing_on', sa.Date(), nullable=True))
            batch.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        op.execute(f"UPDATE {table} SET consent_processing_on = {day} WHERE consent_processing")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('erased_at')
            batch.drop_column('consent_processing_on')
