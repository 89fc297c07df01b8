"""consent to processing in the read model

Revision ID: a41d6e0c83b7
Revises: 5585bc9db7e2
Create Date: 2026-11-26 12:50:00.000000

Existing rows were registered under consent (the registry's flag defaulted to it): true until their next event.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a41d6e0c83b7'
down_revision: str | None = '5585bc9db7e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("matching_mentor", "matching_mentee")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('consent_processing', sa.Boolean(), server_default=sa.text('true'), nullable=False))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('consent_processing')
