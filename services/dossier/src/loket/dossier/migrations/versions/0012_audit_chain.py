"""audit chain: each audit entry carries the hash of the one before it

`audit_entry` gets `previous_hash` and `entry_hash` (loket.contracts.audit_chain: SHA-256 over a canonical
encoding of the entry's fields and the previous entry's hash), so that an altered, deleted or moved
row breaks the chain from there on (`loket-dossier verify-audit`). The rows already there are chained
here, in the order of their ids, starting from the genesis hash: the chain vouches for them from this
migration on, not for what happened to them before it. `previous_hash` is unique, so two entries can
never chain onto the same predecessor.

`add_audit_chain_v1` (frozen, in loket.contracts.runtime.migrations) does it, the insert-only
triggers set aside for the UPDATE that fills the new columns.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa

from loket.contracts.runtime.migrations import add_audit_chain_v1, drop_audit_chain_v1
from loket.contracts.tables import UtcDateTime
from loket.dossier.domain.audit import CHAINED_FIELDS

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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


def upgrade() -> None:
    add_audit_chain_v1('dossier', audit_entry, CHAINED_FIELDS)


def downgrade() -> None:
    drop_audit_chain_v1('dossier', 'audit_entry')
