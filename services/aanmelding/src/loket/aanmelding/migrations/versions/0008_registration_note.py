"""registration note: a secondary school's own notes on a registration it received

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'registration_note',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('registration_id', sa.Uuid(), nullable=False),
        sa.Column('school_brin', sa.String(length=6), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registration.id'], name=op.f('fk_registration_note_registration_id_registration')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_note')),
    )
    op.create_index(
        op.f('ix_registration_note_registration_id'), 'registration_note', ['registration_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_registration_note_registration_id'), table_name='registration_note')
    op.drop_table('registration_note')
