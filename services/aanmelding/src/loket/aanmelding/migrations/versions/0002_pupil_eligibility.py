"""pupil eligibility: the final advice that opens registration, and an outdated registration form

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pupil_eligibility',
        sa.Column('pupil_id', sa.Uuid(), nullable=False),
        sa.Column('school_brin', sa.String(length=6), nullable=False),
        sa.Column('advice', sa.String(length=20), nullable=True),
        sa.Column('advice_given_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('form_outdated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('form_prepared_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('pupil_id', name=op.f('pk_pupil_eligibility')),
    )
    op.create_index(op.f('ix_pupil_eligibility_school_brin'), 'pupil_eligibility', ['school_brin'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pupil_eligibility_school_brin'), table_name='pupil_eligibility')
    op.drop_table('pupil_eligibility')
