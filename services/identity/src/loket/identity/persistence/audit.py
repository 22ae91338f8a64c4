"""Writing to the append-only audit log (and a line in the service log, with ids only), each entry
chained to the one before it (`domain/audit.py`), and reading it back in the chain's order.

An entry is recorded during the unit of work but appended only when it commits: just before COMMIT
the transaction flushes everything else, takes the chain's lock, reads the last entry's hash and
inserts its entries, each with the hash of the one before. The lock is what keeps two transactions
from both chaining onto the same predecessor: on PostgreSQL a transaction-level advisory lock
(`pg_advisory_xact_lock`), released by the COMMIT itself, so the next appender reads a head that is
committed (READ COMMITTED gives each statement a fresh snapshot). It is the last lock the transaction
takes and is held only for the INSERT and the COMMIT, so it cannot deadlock with row locks and costs
concurrent requests little. SQLite begins every transaction IMMEDIATE, one writer at a time, which
serialises the append already. The unique `previous_hash` is the database's own guard: should an
append ever run without the lock, it fails rather than fork the chain.
"""

import logging
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import event, text
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.domain.audit import CHAINED_FIELDS, GENESIS, AuditAction, Link, Outcome, hash_link
from loket.identity.persistence.models import AuditEvent

log = logging.getLogger("loket.identity.audit")

CHAIN_LOCK = int.from_bytes(b"auditlog", "big")  # the advisory lock's key; each service has its own database
_PENDING = "loket.identity.audit.pending"  # in `session.info`: the entries recorded, not yet appended


def _append_pending(session: Session) -> None:
    """Append the entries recorded in this transaction to the chain (before COMMIT, and before the log
    is read in the same transaction)."""
    pending: list[AuditEvent] = session.info.get(_PENDING, [])
    if not pending:
        return
    session.flush()  # the rest of the transaction first: the chain's lock is the last one it takes
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = select(AuditEvent.entry_hash).order_by(col(AuditEvent.id).desc()).limit(1)
    head = session.execute(last).scalar_one_or_none() or GENESIS
    for entry in pending:
        entry.previous_hash = head
        entry.entry_hash = head = hash_link(head, {name: getattr(entry, name) for name in CHAINED_FIELDS})
        session.add(entry)
    pending.clear()
    session.flush()  # in this order, so that the ids follow the chain


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        if _PENDING not in session.info:
            session.info[_PENDING] = []
            event.listen(session.sync_session, "before_commit", _append_pending)

    def record(
        self,
        action: AuditAction,
        outcome: Outcome,
        *,
        actor_id: UUID | str | None = None,
        actor_role: str | None = None,
        subject_id: UUID | str | None = None,
        session_id: UUID | None = None,
        client_address: str | None = None,
        **detail: Any,
    ) -> AuditEvent:
        entry = AuditEvent(
            occurred_at=datetime.now(UTC),
            action=action,
            outcome=outcome,
            actor_id=None if actor_id is None else str(actor_id),
            actor_role=actor_role,
            subject_id=None if subject_id is None else str(subject_id),
            session_id=session_id,
            client_address=client_address,
            detail=detail,
        )
        self.session.info[_PENDING].append(entry)
        log.info(
            "audit %s %s actor=%s subject=%s session=%s address=%s",
            action,
            outcome,
            entry.actor_id,
            entry.subject_id,
            session_id,
            client_address,
        )
        return entry

    def own_step(
        self,
        action: AuditAction,
        account_id: UUID,
        client_address: str | None,
        *,
        role: str | None = None,
        session_id: UUID | None = None,
        **detail: Any,
    ) -> AuditEvent:
        """A step an account took on itself, and succeeded (a login, an activation, a second factor)."""
        return self.record(
            action,
            Outcome.SUCCEEDED,
            actor_id=account_id,
            actor_role=role,
            subject_id=account_id,
            session_id=session_id,
            client_address=client_address,
            **detail,
        )

    async def about(self, subject_id: UUID | str) -> list[AuditEvent]:
        await self.session.run_sync(_append_pending)
        query = (
            select(AuditEvent)
            .where((AuditEvent.subject_id == str(subject_id)) | (AuditEvent.actor_id == str(subject_id)))
            .order_by(col(AuditEvent.id))
        )
        return list((await self.session.exec(query)).all())


async def chain_in_order(session: AsyncSession, batch: int = 1000) -> AsyncGenerator[Link, None]:
    """Every entry as the chain sees it, in the order appended (by id), `batch` rows a query."""
    columns = [col(AuditEvent.id), col(AuditEvent.previous_hash), col(AuditEvent.entry_hash)]
    columns += [col(getattr(AuditEvent, name)) for name in CHAINED_FIELDS]
    after = 0
    while True:
        query = sql_select(*columns).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(batch)
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
