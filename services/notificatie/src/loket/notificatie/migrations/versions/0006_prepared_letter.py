"""prepared letter: a placement letter printed ahead and mailed at the publication moment

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('prepared_letter',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('school_brin', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('case_reference', sa.String(length=64), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('prepared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('prepared_by', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepared_letter'))
    )
    op.create_index(op.f('ix_prepared_letter_pupil_id'), 'prepared_letter', ['pupil_id'], unique=False)
    op.create_index(op.f('ix_prepared_letter_school_brin'), 'prepared_letter', ['school_brin'], unique=False)
    op.create_index(op.f('ix_prepared_letter_send_at'), 'prepared_letter', ['send_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_prepared_letter_send_at'), table_name='prepared_letter')
    op.drop_index(op.f('ix_prepared_letter_school_brin'), table_name='prepared_letter')
    op.drop_index(op.f('ix_prepared_letter_pupil_id'), table_name='prepared_letter')
    op.drop_table('prepared_letter')
