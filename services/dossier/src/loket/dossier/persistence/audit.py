"""Writing to and reading from the append-only audit trail (and a log line, with ids only), each
entry chained to the one before it (`domain/audit.py`).

An entry is recorded during the unit of work but appended only when it commits: just before COMMIT
the transaction flushes everything else, takes the chain's lock, reads the last entry's hash and
inserts its entries, each with the hash of the one before. The lock is what keeps two transactions
from both chaining onto the same predecessor: on PostgreSQL a transaction-level advisory lock
(`pg_advisory_xact_lock`), released by the COMMIT itself, so the next appender reads a head that is
committed (READ COMMITTED gives each statement a fresh snapshot). It is the last lock the transaction
takes and is held only for the INSERT and the COMMIT, so it cannot deadlock with row locks, and every
read of a dossier (which leaves an entry) waits for it only that long. SQLite begins every transaction
IMMEDIATE, one writer at a time, which serialises the append already. The unique `previous_hash` is
the database's own guard: should an append ever run without the lock, it fails rather than fork the
chain.
"""

import logging
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import event, text
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.dossier.domain.access import Caller
from loket.dossier.domain.audit import CHAINED_FIELDS, GENESIS, AuditAction, Link, hash_link
from loket.dossier.persistence.models import AuditEntry

log = logging.getLogger("loket.dossier.audit")

CHAIN_LOCK = int.from_bytes(b"auditlog", "big")  # the advisory lock's key; each service has its own database
_PENDING = "loket.dossier.audit.pending"  # in `session.info`: the entries recorded, not yet appended


def _append_pending(session: Session) -> None:
    """Append the entries recorded in this transaction to the chain (before COMMIT, and before the trail
    is read in the same transaction)."""
    pending: list[AuditEntry] = session.info.get(_PENDING, [])
    if not pending:
        return
    session.flush()  # the rest of the transaction first: the chain's lock is the last one it takes
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = select(AuditEntry.entry_hash).order_by(col(AuditEntry.id).desc()).limit(1)
    head = session.execute(last).scalar_one_or_none() or GENESIS
    for entry in pending:
        entry.previous_hash = head
        entry.entry_hash = head = hash_link(head, {name: getattr(entry, name) for name in CHAINED_FIELDS})
        session.add(entry)
    pending.clear()
    session.flush()  # in this order, so that the ids follow the chain


class AuditTrail:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        if _PENDING not in session.info:
            session.info[_PENDING] = []
            event.listen(session.sync_session, "before_commit", _append_pending)

    def record(self, caller: Caller, action: AuditAction, pupil_id: UUID | None = None, **detail: Any) -> None:
        self.session.info[_PENDING].append(
            AuditEntry(
                occurred_at=datetime.now(UTC),
                action=action,
                pupil_id=pupil_id,
                actor=caller.subject,
                actor_role=caller.role.value,
                impersonator=caller.acting,
                detail=detail,
            )
        )
        log.info("audit %s pupil=%s actor=%s role=%s", action, pupil_id, caller.subject, caller.role.value)

    async def about(self, pupil_id: UUID) -> Sequence[AuditEntry]:
        await self.session.run_sync(_append_pending)
        query = select(AuditEntry).where(AuditEntry.pupil_id == pupil_id).order_by(col(AuditEntry.id))
        return (await self.session.exec(query)).all()


async def chain_in_order(session: AsyncSession, batch: int = 1000) -> AsyncGenerator[Link, None]:
    """Every entry as the chain sees it, in the order appended (by id), `batch` rows a query."""
    columns = [col(AuditEntry.id), col(AuditEntry.previous_hash), col(AuditEntry.entry_hash)]
    columns += [col(getattr(AuditEntry, name)) for name in CHAINED_FIELDS]
    after = 0
    while True:
        query = sql_select(*columns).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(batch)
        rows = (await session.execute(query)).mappings().all()
        for row in rows:
            yield Link(
                id=row["id"],
                occurred_at=row["occurred_at"],
                fields={name: row[name] for name in CHAINED_FIELDS},
                previous_hash=row["previous_hash"],
                entry_hash=row["entry_hash"],
            )
        if len(rows) < batch:
            return
        after = rows[-1]["id"]
