"""pupil_eligibility.elk_number: twins who register together name each other by it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('pupil_eligibility', sa.Column('elk_number', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_pupil_eligibility_elk_number'), 'pupil_eligibility', ['elk_number'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pupil_eligibility_elk_number'), table_name='pupil_eligibility')
    op.drop_column('pupil_eligibility', 'elk_number')
