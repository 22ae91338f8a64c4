"""lottery: a round's market taken for loting's ceremony, its result and the placements it gave; the
secondary school's decisions (placed with a stream, tafelmiddag, withdrawn or voided with a reason); the
paper form entered by the primary school

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lottery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('round_code', sa.String(length=64), nullable=False),
    sa.Column('commitment', sa.Text(), nullable=False),
    sa.Column('commitment_sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.String(length=64), nullable=False),
    sa.Column('market', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery'))
    )
    with op.batch_alter_table('lottery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_round_code'), ['round_code'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lottery_id', sa.Uuid(), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('program', sa.String(length=64), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lottery_id'], ['lottery.id'], name=op.f('fk_placement_lottery_id_lottery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement')),
    sa.UniqueConstraint('lottery_id', 'registration_id', name=op.f('uq_placement_lottery_id'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_lottery_id'), ['lottery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('school_placed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('school_placed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('placed_stream', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('tafelmiddag', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('paper_form_by', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('paper_form_by')
        batch_op.drop_column('tafelmiddag')
        batch_op.drop_column('placed_stream')
        batch_op.drop_column('school_placed_by')
        batch_op.drop_column('school_placed_at')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by')

    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_registration_id'))
        batch_op.drop_index(batch_op.f('ix_placement_lottery_id'))

    op.drop_table('placement')
    with op.batch_alter_table('lottery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lottery_round_code'))

    op.drop_table('lottery')
