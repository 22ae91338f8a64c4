"""sealed TOTP secret: room for a secret sealed with AES-256-GCM (`v1:` + base64)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_account') as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=128), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table('staff_account') as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=128), type_=sa.String(length=64), existing_nullable=True
        )
