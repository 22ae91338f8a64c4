"""lottery ceremony: the region asked loting to hold the lottery's ceremony; a result that came back and
could not be applied says why

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lottery') as batch:
        batch.add_column(sa.Column('ceremony_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ceremony_requested_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('ceremony_refusal', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lottery') as batch:
        batch.drop_column('ceremony_refusal')
        batch.drop_column('ceremony_requested_by')
        batch.drop_column('ceremony_requested_at')
