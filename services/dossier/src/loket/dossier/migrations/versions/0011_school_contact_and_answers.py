"""school contact address; the primary school's answer to a secondary school's question

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('school', sa.Column('contact_email', sa.String(length=320), nullable=True))
    op.add_column('information_request', sa.Column('answer', sa.Text(), nullable=True))
    op.add_column('information_request', sa.Column('answered_by', sa.String(length=64), nullable=True))
    op.add_column('information_request', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('information_request', 'answered_at')
    op.drop_column('information_request', 'answered_by')
    op.drop_column('information_request', 'answer')
    op.drop_column('school', 'contact_email')
