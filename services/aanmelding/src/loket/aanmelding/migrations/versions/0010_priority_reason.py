"""priority reason: the secondary school's reason for its decision on a priority claim

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('registration') as batch:
        batch.add_column(sa.Column('priority_reason', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('registration') as batch:
        batch.drop_column('priority_reason')
