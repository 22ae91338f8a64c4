"""oki doc: a pupil's OKI-doc with its status; the pupil's address and parents

A pupil registered before this migration gets its first parent from `parent_email`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('oki_doc',
    sa.Column('pupil_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('doorstroomtoets', sa.JSON(), nullable=True),
    sa.Column('final_advice', sa.JSON(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_oki_doc_pupil_id_pupil')),
    sa.PrimaryKeyConstraint('pupil_id', name=op.f('pk_oki_doc'))
    )
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('parents', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE pupil SET parents = json_build_array(json_build_object('email', parent_email))")
    else:
        op.execute("UPDATE pupil SET parents = json_array(json_object('email', parent_email))")
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.alter_column('parents', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_column('parents')
        batch_op.drop_column('address')

    op.drop_table('oki_doc')
