"""reminders: the sent reminders and the account's unsubscribe

Revision ID: 7c41d2e9a8b3
Revises: 0455a0ff91e6
Create Date: 2026-11-26 16:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate writes sqlmodel.sql.sqltypes.AutoString
from alembic import op


revision: str = '7c41d2e9a8b3'
down_revision: str | None = '0455a0ff91e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('console_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_off_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('console_reminder',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('fact_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['console_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'fact_key', name='uq_console_reminder_fact')
    )
    with op.batch_alter_table('console_reminder', schema=None) as batch_op:
        batch_op.create_index('ix_console_reminder_account_day', ['account_id', 'sent_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_console_reminder_account_day')

    op.drop_table('console_reminder')
    with op.batch_alter_table('console_account', schema=None) as batch_op:
        batch_op.drop_column('reminders_off_at')
