"""pupils' schools: which school registered a pupil, so the school sees the messages about it

From `dossier.pupil.registered.v1`. Pupils registered before this migration are unknown here until
dossier registers them again; their messages stay invisible to schools.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pupil',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_brin', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil'))
    )
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_school_brin'), ['school_brin'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupil_school_brin'))

    op.drop_table('pupil')
