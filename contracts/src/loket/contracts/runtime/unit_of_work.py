"""The unit of work: one transaction in which a use case reads, changes, raises events and leaves an
audit trail; the events and audit entries commit with the change or not at all (the outbox).

A use case asks its service's `Work` for one (`async with work() as uow:`) and uses `uow.session` only
through the service's repositories, `uow.emit(event)` for what happened, `uow.audit` for who did it,
and `uow.now` for the time. An event handler gets one from its delivery (`delivery.work`), opened by
the inbox with the inbox row in the same transaction. After a commit with events the unit of work
wakes the relay in this process, so nobody calls the outbox or opens a transaction by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.envelope import Envelope
from loket.contracts.events import EventPayload
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.logging import bound_correlation_id

A = TypeVar("A")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork(Generic[A]):
    """What a use case gets: the session (for repositories), the clock, the events and the audit."""

    def __init__(
        self,
        session: AsyncSession,
        outbox: Outbox,
        clock: Clock,
        audit: Callable[[AsyncSession], A] | None = None,
        *,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.events: list[Envelope[EventPayload]] = []
        self._outbox = outbox
        self._audit = audit
        # a request continues the chain its correlation id names (runtime/logging.py), or starts one
        self.correlation_id = correlation_id or bound_correlation_id() or uuid4()
        self._causation_id = causation_id

    @property
    def now(self) -> datetime:
        return self.clock()

    @property
    def audit(self) -> A:
        """The service's audit trail, writing in this transaction."""
        if self._audit is None:
            raise RuntimeError("this service keeps no audit trail")
        return self._audit(self.session)

    async def emit(self, payload: EventPayload, *, caused_by: UUID | None = None) -> Envelope[EventPayload]:
        """Raise an event: written to the outbox in this transaction, published after the commit. Every
        event of one unit of work carries its correlation id; in an event handler that is the delivered
        event's, which is also named as the cause unless `caused_by` names an event raised here."""
        envelope = await self._outbox.put(
            self.session,
            payload,
            correlation_id=self.correlation_id,
            causation_id=caused_by or self._causation_id,
        )
        self.events.append(envelope)
        return envelope


class Work(Generic[A]):
    """A service's units of work: its database, outbox, clock and audit trail."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        *,
        clock: Clock = utc_now,
        audit: Callable[[AsyncSession], A] | None = None,
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.audit = audit

    @asynccontextmanager
    async def __call__(
        self, *, correlation_id: UUID | None = None, causation_id: UUID | None = None
    ) -> AsyncIterator[UnitOfWork[A]]:
        """One transaction: commits at the end of the block, rolls back (events and audit too) on an
        exception."""
        async with self.database.transaction() as session:
            uow = UnitOfWork(
                session,
                self.outbox,
                self.clock,
                self.audit,
                correlation_id=correlation_id,
                causation_id=causation_id,
            )
            yield uow
        if uow.events:
            self.outbox.nudge()

    def with_clock(self, clock: Clock) -> Work[A]:
        """The same work with another clock (a test's, or a CLI's `--now`)."""
        return Work(self.database, self.outbox, clock=clock, audit=self.audit)

    def with_audit(self, audit: Callable[[AsyncSession], Any]) -> Work[Any]:
        return Work(self.database, self.outbox, clock=self.clock, audit=audit)
