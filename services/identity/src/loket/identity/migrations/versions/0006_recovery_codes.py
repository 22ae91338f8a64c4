"""recovery codes: one-time codes for a staff member who lost the phone with the authenticator app

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('account_id', sa.Uuid(), nullable=False),
        sa.Column('lookup', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_recovery_code_account_id_staff_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
        sa.UniqueConstraint('account_id', 'lookup', name='uq_recovery_code_account_id_lookup'),
    )
    op.create_index(op.f('ix_recovery_code_account_id'), 'recovery_code', ['account_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_recovery_code_account_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
