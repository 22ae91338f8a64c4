"""parent login: the school's view of each parent login of a pupil (the dots), as identity reports it

Every pupil registered before this migration gets its first parent's login, not sent (white), until
identity reports otherwise.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('parent_login',
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('parent', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_parent_login_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('pupil_id', 'parent', name=op.f('pk_parent_login'))
    )
    op.execute(
        "INSERT INTO parent_login (pupil_id, parent, state, revision) SELECT id, 1, 'not_sent', 0 FROM pupil"
    )


def downgrade() -> None:
    op.drop_table('parent_login')
