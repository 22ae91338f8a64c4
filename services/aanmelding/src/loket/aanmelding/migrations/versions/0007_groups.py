"""groups: each pupil's group at the primary school and each group's teachers, from dossier's events, so
that a teacher sees only the pupils of their groups

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('pupil_eligibility', sa.Column('group_name', sa.String(length=32), nullable=True))
    op.add_column('pupil_eligibility', sa.Column('group_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'teaching_group',
        sa.Column('school_brin', sa.String(length=6), nullable=False),
        sa.Column('group_name', sa.String(length=32), nullable=False),
        sa.Column('teachers', sa.JSON(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('school_brin', 'group_name', name=op.f('pk_teaching_group')),
    )


def downgrade() -> None:
    op.drop_table('teaching_group')
    op.drop_column('pupil_eligibility', 'group_changed_at')
    op.drop_column('pupil_eligibility', 'group_name')
