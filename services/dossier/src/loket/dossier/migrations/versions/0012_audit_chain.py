"""audit chain: each audit entry carries the hash of the one before it

`audit_entry` gets `previous_hash` and `entry_hash` (domain/audit.py: SHA-256 over a canonical
encoding of the entry's fields and the previous entry's hash), so that an altered, deleted or moved
row breaks the chain from there on (`loket-dossier verify-audit`). The rows already there are chained
here, in the order of their ids, starting from the genesis hash: the chain vouches for them from this
migration on, not for what happened to them before it. `previous_hash` is unique, so two entries can
never chain onto the same predecessor.

The insert-only triggers refuse the UPDATE that fills the new columns: on PostgreSQL they are
disabled for it, inside this transaction; on SQLite they are dropped and created again afterwards
(`create_insert_only_triggers_v1`), as batch mode's copy of the table drops them anyway.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from loket.contracts.runtime.migrations import create_insert_only_triggers_v1
from loket.contracts.tables import UtcDateTime
from loket.contracts.audit_chain import GENESIS, hash_link
from loket.dossier.domain.audit import CHAINED_FIELDS

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT_ONLY = ('audit_entry',)
BATCH = 1000

audit_entry = sa.table(
    'audit_entry',
    sa.column('id', sa.Integer()),
    sa.column('occurred_at', UtcDateTime()),
    sa.column('action', sa.String()),
    sa.column('pupil_id', sa.Uuid()),
    sa.column('actor', sa.String()),
    sa.column('actor_role', sa.String()),
    sa.column('impersonator', sa.String()),
    sa.column('detail', sa.JSON()),
    sa.column('previous_hash', sa.String()),
    sa.column('entry_hash', sa.String()),
)


def _allow_updates(postgresql: bool) -> None:
    if postgresql:
        op.execute('ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_insert_only')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_delete')


def _insert_only_again(postgresql: bool) -> None:
    if postgresql:
        op.execute('ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_insert_only')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_entry_no_delete')
        create_insert_only_triggers_v1('dossier', INSERT_ONLY)


def _chain_existing_rows() -> None:
    bind = op.get_bind()
    fill = (
        audit_entry.update()
        .where(audit_entry.c.id == sa.bindparam('row_id'))
        .values(previous_hash=sa.bindparam('previous'), entry_hash=sa.bindparam('hash'))
    )
    head, after = GENESIS, 0
    while True:
        query = sa.select(audit_entry).where(audit_entry.c.id > after).order_by(audit_entry.c.id).limit(BATCH)
        rows = bind.execute(query).mappings().all()
        if not rows:
            return
        filled = []
        for row in rows:
            previous, head = head, hash_link(head, {name: row[name] for name in CHAINED_FIELDS})
            filled.append({'row_id': row['id'], 'previous': previous, 'hash': head})
        bind.execute(fill, filled)
        after = rows[-1]['id']


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    _allow_updates(postgresql)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entry_previous_hash'), ['previous_hash'])
    _insert_only_again(postgresql)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_previous_hash'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('previous_hash')
    if not postgresql:
        _insert_only_again(postgresql)
