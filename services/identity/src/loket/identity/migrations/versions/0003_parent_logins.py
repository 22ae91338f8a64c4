"""parent logins: opened when the school asks; the school and birth date asked at activation; a second
parent; the dots the school was told

`parent_account` gets which parent it is for (unique per pupil and parent, no longer per pupil), the
parent's language, the pupil's school and birth date (asked at activation, the birth date forgotten
once activated), and the dot last announced (`login_state`, `revision`). `activation_token` counts
wrong answers (`wrong_answers`, `locked_at`) and remembers the event that carried it. `school` lists
the schools a parent picks from. Accounts opened before this migration are first parents' accounts;
their dot is derived from their state and mail. Their pending links have no answers to check and are
refused as expired: the school asks again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes)
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL = {
    'parent_account': {
        'parent': (sa.Integer(), '1'),
        'language': (sqlmodel.sql.sqltypes.AutoString(length=16), "'nl'"),
        'login_state': (
            sa.String(length=16),
            "CASE WHEN state = 'activated' THEN 'activated' WHEN activation_mail IN ('sent', 'failed') "
            "THEN activation_mail ELSE 'not_sent' END",
        ),
        'revision': (sa.Integer(), '0'),
    },
    'activation_token': {'wrong_answers': (sa.Integer(), '0')},
}


def upgrade() -> None:
    op.create_table('school',
    sa.Column('brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('brin', name=op.f('pk_school'))
    )
    with op.batch_alter_table('parent_account', schema=None) as batch_op:
        for column, (type_, _) in NOT_NULL['parent_account'].items():
            batch_op.add_column(sa.Column(column, type_, nullable=True))
        batch_op.add_column(sa.Column('school_brin', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
    with op.batch_alter_table('activation_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrong_answers', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('issued_event_id', sa.Uuid(), nullable=True))
    for table, columns in NOT_NULL.items():
        values = ', '.join(f'{column} = {value}' for column, (_, value) in columns.items())
        op.execute(f'UPDATE {table} SET {values}')
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (type_, _) in columns.items():
                batch_op.alter_column(column, existing_type=type_, nullable=False)
    with op.batch_alter_table('parent_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_parent_account_pupil_id', type_='unique')
        batch_op.create_unique_constraint('uq_parent_account_pupil_id_parent', ['pupil_id', 'parent'])


def downgrade() -> None:
    op.execute('DELETE FROM activation_token WHERE account_id IN (SELECT id FROM parent_account WHERE parent <> 1)')
    op.execute('DELETE FROM parent_account WHERE parent <> 1')
    with op.batch_alter_table('parent_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_parent_account_pupil_id_parent', type_='unique')
        batch_op.create_unique_constraint('uq_parent_account_pupil_id', ['pupil_id'])
        for column in ('birth_date', 'school_brin', 'revision', 'login_state', 'language', 'parent'):
            batch_op.drop_column(column)
    with op.batch_alter_table('activation_token', schema=None) as batch_op:
        for column in ('issued_event_id', 'locked_at', 'wrong_answers'):
            batch_op.drop_column(column)
    op.drop_table('school')
