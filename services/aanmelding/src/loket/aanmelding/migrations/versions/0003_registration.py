"""registration: a parent's registration per round with its steps and history, the first choice's
decision on a priority claim, and the primary school's forwarding and changes (with the parent's consent)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('registration',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('school_brin', sa.String(length=6), nullable=False),
    sa.Column('round_code', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('advice', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('pupil_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pupil_correction', sa.String(length=2000), nullable=True),
    sa.Column('contact_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_correction', sa.String(length=2000), nullable=True),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('priority', sa.JSON(), nullable=True),
    sa.Column('equivalent_program_wish', sa.Boolean(), nullable=False),
    sa.Column('multiple_birth', sa.JSON(), nullable=True),
    sa.Column('outside_region', sa.String(length=500), nullable=True),
    sa.Column('first_choice_brin', sa.String(length=6), nullable=True),
    sa.Column('preferences_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('school_changes', sa.JSON(), nullable=False),
    sa.Column('priority_decision', sa.String(length=16), nullable=True),
    sa.Column('priority_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('priority_decided_by', sa.String(length=64), nullable=True),
    sa.Column('forwarded_by', sa.String(length=64), nullable=True),
    sa.Column('signed_by', sa.String(length=200), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('pupil_id', 'round_code', 'active', name=op.f('uq_registration_pupil_id'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_first_choice_brin'), ['first_choice_brin'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_school_brin'), ['school_brin'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_school_brin'))
        batch_op.drop_index(batch_op.f('ix_registration_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_registration_first_choice_brin'))

    op.drop_table('registration')
