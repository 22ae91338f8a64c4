"""refresh token used from: the client address that rotated it, so that two tabs of one browser
refreshing at the same moment are not taken for a copied token

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('refresh_token', sa.Column('used_from', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('refresh_token') as batch_op:
        batch_op.drop_column('used_from')
