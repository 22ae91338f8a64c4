"""audit: the append-only trail of staff reading and changing pupils' dossiers

`audit_entry` is insert-only: a trigger refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE).
SQLite drops a table's triggers when batch mode copies the table, so a later migration that alters
`audit_entry` on SQLite must create its triggers again (`insert_only_triggers`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('pupil_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('impersonator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_pupil_id'), ['pupil_id'], unique=False)
    insert_only_triggers()


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor'))

    op.drop_table('audit_entry')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION dossier_refuse_change()')


INSERT_ONLY = ('audit_entry',)


def insert_only_triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            """
            CREATE FUNCTION dossier_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'dossier: % is insert-only; % refused', TG_TABLE_NAME, TG_OP;
            END
            $$
            """
        )
        for table in INSERT_ONLY:
            op.execute(
                f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} '
                'FOR EACH ROW EXECUTE FUNCTION dossier_refuse_change()'
            )
            op.execute(
                f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
                'FOR EACH STATEMENT EXECUTE FUNCTION dossier_refuse_change()'
            )
        return
    for table in INSERT_ONLY:
        for change in ('UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table} '
                f"BEGIN SELECT RAISE(ABORT, 'dossier: {table} is insert-only; {change} refused'); END"
            )
