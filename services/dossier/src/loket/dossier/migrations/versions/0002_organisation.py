"""organisation: boards, schools, groups and their teachers; a pupil's group

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('board',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_board'))
    )
    op.create_table('school',
    sa.Column('brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('board_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('sector', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['board_code'], ['board.code'], name=op.f('fk_school_board_code_board')),
    sa.PrimaryKeyConstraint('brin', name=op.f('pk_school'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_board_code'), ['board_code'], unique=False)

    op.create_table('pupil_group',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('year_level', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_brin'], ['school.brin'], name=op.f('fk_pupil_group_school_brin_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_group')),
    sa.UniqueConstraint('school_brin', 'name', name=op.f('uq_pupil_group_school_brin'))
    )
    op.create_table('group_teacher',
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['pupil_group.id'], name=op.f('fk_group_teacher_group_id_pupil_group')),
    sa.PrimaryKeyConstraint('group_id', 'subject', name=op.f('pk_group_teacher'))
    )
    with op.batch_alter_table('group_teacher', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_teacher_subject'), ['subject'], unique=False)

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pupil_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pupil_group_id_pupil_group'), 'pupil_group', ['group_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pupil_group_id_pupil_group'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pupil_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('group_teacher', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_teacher_subject'))

    op.drop_table('group_teacher')
    op.drop_table('pupil_group')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_board_code'))

    op.drop_table('school')
    op.drop_table('board')
