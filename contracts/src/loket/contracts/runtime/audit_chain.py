"""An audit table whose entries are chained (`loket.contracts.audit_chain`): appending them, reading
them back in the chain's order, checking the chain, and the `verify-audit` command. identity's audit
log and dossier's audit trail are two tables of this one kind.

An entry is recorded during the unit of work but appended only when it commits: just before COMMIT
the transaction flushes everything else, takes the chain's lock, reads the last entry's hash and
inserts its entries, each with the hash of the one before. The lock is what keeps two transactions
from both chaining onto the same predecessor: on PostgreSQL a transaction-level advisory lock
(`pg_advisory_xact_lock`), released by the COMMIT itself, so the next appender reads a head that is
committed (READ COMMITTED gives each statement a fresh snapshot). It is the last lock the transaction
takes and is held only for the INSERT and the COMMIT, so it cannot deadlock with row locks, and a
request that leaves an entry waits for it only that long. SQLite begins every transaction IMMEDIATE,
one writer at a time, which serialises the append already. The unique `previous_hash` is the
database's own guard: should an append ever run without the lock, it fails rather than fork the chain.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from loket.contracts.audit_chain import GENESIS, ChainCheck, ChainReport, Link, hash_link
from loket.contracts.runtime.cli import Command
from loket.contracts.runtime.unit_of_work import Work

if TYPE_CHECKING:
    from fastapi import FastAPI

    from loket.contracts.runtime.service import Runtime

E = TypeVar("E")
CHAIN_LOCK = int.from_bytes(b"auditlog", "big")  # the advisory lock's key; each service has its own database


class AuditChain(Generic[E]):
    """The chained audit table `model` (a SQLModel table with `id`, `previous_hash`, `entry_hash` and
    the `fields` the chain covers)."""

    def __init__(self, model: type[E], fields: tuple[str, ...]) -> None:
        self.model = model
        self.fields = fields
        self._pending = f"loket.audit_chain.{getattr(model, '__tablename__', model.__name__)}"

    def watch(self, session: AsyncSession) -> None:
        """Append what this session records when it commits (once per session)."""
        if self._pending not in session.info:
            session.info[self._pending] = []
            event.listen(session.sync_session, "before_commit", self.append_pending)

    def record(self, session: AsyncSession, entry: E) -> None:
        self.watch(session)
        session.info[self._pending].append(entry)

    def append_pending(self, session: Session) -> None:
        """Append the entries recorded in this transaction to the chain (before COMMIT, and before the
        table is read in the same transaction)."""
        pending: list[Any] = session.info.get(self._pending, [])
        if not pending:
            return
        session.flush()  # the rest of the transaction first: the chain's lock is the last one it takes
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        table: Any = self.model
        last = select(table.entry_hash).order_by(table.id.desc()).limit(1)
        head = session.execute(last).scalar_one_or_none() or GENESIS
        for entry in pending:
            entry.previous_hash = head
            entry.entry_hash = head = hash_link(head, {name: getattr(entry, name) for name in self.fields})
            session.add(entry)
        pending.clear()
        session.flush()  # in this order, so that the ids follow the chain

    async def appended(self, session: AsyncSession) -> None:
        """Append now what was recorded, before the table is read in this transaction."""
        await session.run_sync(self.append_pending)

    async def in_order(self, session: AsyncSession, batch: int = 1000) -> AsyncGenerator[Link, None]:
        """Every entry as the chain sees it, in the order appended (by id), `batch` rows a query."""
        table: Any = self.model
        columns = [table.id, table.previous_hash, table.entry_hash, *(getattr(table, name) for name in self.fields)]
        after = 0
        while True:
            query = select(*columns).where(table.id > after).order_by(table.id).limit(batch)
            rows = (await session.execute(query)).mappings().all()
            for row in rows:
                yield Link(
                    id=row["id"],
                    occurred_at=row["occurred_at"],
                    fields={name: row[name] for name in self.fields},
                    previous_hash=row["previous_hash"],
                    entry_hash=row["entry_hash"],
                )
            if len(rows) < batch:
                return
            after = rows[-1]["id"]

    async def verify(self, work: Work[Any]) -> ChainReport:
        """Walk the whole chain; stop at the first entry that does not fit."""
        check = ChainCheck()
        async with work() as uow, aclosing(self.in_order(uow.session)) as links:
            async for link in links:
                if check.add(link) is not None:
                    break
        return ChainReport(check.checked, check.head, check.broken)


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def verify_audit(chain: AuditChain[Any]) -> Command:
    """`loket-<service> verify-audit`: exit 0 with the last hash (keep it elsewhere: a chain cannot show
    its newest entries deleted), or 1 naming the first entry that does not fit."""

    def run(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
        async def verify() -> int:
            try:
                report = await chain.verify(runtime.work)
            finally:
                await runtime.database.dispose()
            if report.broken is None:
                print(f"audit chain intact: {_entries(report.intact)} (last hash {report.head})")
                return 0
            broken = report.broken
            print(
                f"audit chain broken at entry {broken.id} ({broken.occurred_at.isoformat()}): {broken.reason}; "
                f"the {_entries(report.intact)} before it {'is' if report.intact == 1 else 'are'} intact"
            )
            return 1

        return asyncio.run(verify())

    return Command(
        help="check that no audit entry was altered, deleted or moved (exit 1 naming the first that was)",
        arguments=lambda parser: None,
        run=run,
    )
