"""pupil import: the school's own pupil number (the key an import matches by) and what the last import
put in each field (to tell a field the LAS changed from one staff changed by hand)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pupil_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('imported', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.create_unique_constraint(batch_op.f('uq_pupil_school_brin'), ['school_brin', 'pupil_number'])
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.alter_column('imported', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_pupil_school_brin'), type_='unique')
        batch_op.drop_column('imported')
        batch_op.drop_column('pupil_number')
