"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op

from loket.contracts.runtime.migrations import create_messaging_tables_v1, drop_messaging_tables_v1


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table('parent_account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('activation_mail', sa.String(length=16), nullable=False),
    sa.Column('activation_mail_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_account')),
    sa.UniqueConstraint('pupil_id', name=op.f('uq_parent_account_pupil_id')),
    sa.UniqueConstraint('username', name=op.f('uq_parent_account_username'))
    )
    op.create_table('activation_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['parent_account.id'], name=op.f('fk_activation_token_account_id_parent_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_token')),
    sa.UniqueConstraint('digest', name=op.f('uq_activation_token_digest'))
    )
    with op.batch_alter_table('activation_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_token_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('activation_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_token_account_id'))

    op.drop_table('activation_token')
    op.drop_table('parent_account')
    drop_messaging_tables_v1()
