"""sharing: notes on a pupil, the reason not to place, which secondary schools received a pupil's
registration (from aanmelding's events), and their questions to the primary school

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('secondary_access',
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('school_brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_secondary_access_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('registration_id', 'school_brin', name=op.f('pk_secondary_access'))
    )
    with op.batch_alter_table('secondary_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secondary_access_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('pupil_note',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('visibility', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_pupil_note_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_note'))
    )
    with op.batch_alter_table('pupil_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pupil_note_pupil_id'), ['pupil_id'], unique=False)

    op.create_table('information_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('from_school_brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('to_school_brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('asked_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_information_request_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_information_request'))
    )
    with op.batch_alter_table('information_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_information_request_pupil_id'), ['pupil_id'], unique=False)

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_placing_reason', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_column('not_placing_reason')
    for table in ('information_request', 'pupil_note', 'secondary_access'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_pupil_id'))
        op.drop_table(table)
