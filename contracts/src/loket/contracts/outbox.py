"""The transactional outbox.

`put` writes an event as a row in the same transaction as the state change that caused it. The
`OutboxRelay` publishes unsent rows (persistent, with publisher confirms, mandatory so that an
unroutable event comes back as an error) and marks a row sent only after the broker confirmed it.
A failed publish is retried with exponential backoff. On PostgreSQL several relays can run side by
side: each claims its rows with `FOR UPDATE SKIP LOCKED` and holds the lock until the row is marked,
so no row is sent twice by two relays. A relay killed after the publish but before the mark sends the
row again after restart: delivery is at least once, and every consumer's inbox makes that harmless.

Our own, not a library's: FastStream and aio-pika publish but keep no outbox, and the Python outbox
packages we found either own the transaction (we need the service's own SQLAlchemy session) or poll
without `SKIP LOCKED` and publisher confirms; the pattern is a table and a loop, small enough to own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from opentelemetry import context, propagate
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from loket.contracts.envelope import Envelope, new_envelope
from loket.contracts.events import EventPayload
from loket.contracts.runtime.database import Database

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, dict[str, Any]], Awaitable[None]]
"""Publish one message (routing key, body, AMQP properties); raises unless the broker confirmed it."""


def trace_context_now() -> dict[str, str] | None:
    """The W3C trace context (`traceparent`, `tracestate`) of the moment an event is raised, kept in its
    row: the relay publishes later, on its own thread, and the trace must run on from the request that
    raised it (runtime/tracing.py). None when nothing is traced."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextlib.contextmanager
def continued(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """Within the block the trace of `carrier` (an outbox row's) is the current one."""
    if not carrier:
        yield
        return
    token = context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        context.detach(token)


class Outbox:
    """Writes events into the current transaction."""

    def __init__(self, service: str, table: Table, region: str) -> None:
        self.service = service
        self.table = table
        self.region = region
        self._wake: Callable[[], None] | None = None

    async def put(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
    ) -> Envelope[EventPayload]:
        if payload.producer != self.service:
            raise ValueError(f"{self.service} may not publish {payload.routing_key()}: {payload.producer} owns it")
        envelope = new_envelope(payload, region=self.region, correlation_id=correlation_id, causation_id=causation_id)
        await session.execute(
            insert(self.table).values(
                event_id=envelope.event_id,
                routing_key=envelope.routing_key,
                correlation_id=envelope.correlation_id,
                body=envelope.model_dump(mode="json"),
                created_at=envelope.occurred_at,
                attempts=0,
                next_attempt_at=envelope.occurred_at,
                trace_context=trace_context_now(),
            )
        )
        return envelope

    def attach(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def nudge(self) -> None:
        """Tell the relay in this process that a transaction with events has committed."""
        if self._wake is not None:
            self._wake()


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        table: Table,
        publish: Publish,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        retention: timedelta = timedelta(days=1),
        linger: float = 0.1,
    ) -> None:
        self.database = database
        self.table = table
        self.publish = publish
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retention = retention
        self.linger = linger
        self.wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def on(self, database: Database, publish: Publish) -> OutboxRelay:
        """The same relay (table, timings, batch) over another engine and broker connection."""
        return OutboxRelay(
            database,
            self.table,
            publish,
            poll_interval=self.poll_interval,
            batch_size=self.batch_size,
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
            retention=self.retention,
            linger=self.linger,
        )

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_cap, self.backoff_base * 2 ** (attempts - 1)))

    async def relay_once(self) -> int:
        """Publish what is due; return how many rows were sent."""
        outbox = self.table
        now = datetime.now(UTC)
        query = (
            select(
                outbox.c.seq,
                outbox.c.event_id,
                outbox.c.routing_key,
                outbox.c.correlation_id,
                outbox.c.body,
                outbox.c.attempts,
                outbox.c.trace_context,
            )
            .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
        )
        if not self.database.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        async with self.database.transaction() as session:
            rows = (await session.execute(query)).all()
            # one batch goes out at once and its confirms are awaited together: awaiting each confirm
            # before the next publish kept the relay at a few dozen events/s under load
            outcomes = await asyncio.gather(*(self._publish_row(row) for row in rows), return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                    raise outcome  # cancelled: the transaction rolls back, nothing is marked
            done = datetime.now(UTC)
            sent = [row.seq for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
            if sent:  # one UPDATE for the batch
                await session.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_(sent))
                    .values(sent_at=done, attempts=outbox.c.attempts + 1, last_error=None)
                )
            for row, outcome in zip(rows, outcomes, strict=True):
                if outcome is None:
                    continue
                attempts = row.attempts + 1  # every failure is retried, none is lost
                log.warning("outbox: publishing %s failed (attempt %d): %r", row.routing_key, attempts, outcome)
                await session.execute(
                    update(outbox)
                    .where(outbox.c.seq == row.seq)
                    .values(
                        attempts=attempts,
                        next_attempt_at=done + self.backoff(attempts),
                        last_error=repr(outcome)[:2000],
                    )
                )
        return len(sent)

    async def _publish_row(self, row: Any) -> None:
        body = Envelope[dict[str, Any]].model_validate(row.body).model_dump_json().encode()
        properties = {
            "message_id": str(row.event_id),
            "message_type": row.routing_key,
            "correlation_id": str(row.correlation_id),
        }
        with continued(row.trace_context):  # a task of its own (gather): the trace stays with this row
            await self.publish(row.routing_key, body, properties)

    async def forget_sent(self) -> int:
        """Delete rows sent longer ago than the retention. Some events carry a secret for one
        consumer (an activation link); the outbox is no place to keep it."""
        outbox = self.table
        cutoff = datetime.now(UTC) - self.retention
        async with self.database.transaction() as session:
            result = await session.execute(delete(outbox).where(outbox.c.sent_at < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def run(self) -> None:
        passes = 0
        while True:
            passes += 1
            # cleared before the pass, not after it: a commit that lands while the pass publishes sets
            # it again, and the next pass starts at once instead of after the poll interval
            self.wake.clear()
            try:
                if passes % 600 == 1:
                    await self.forget_sent()
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox: relay pass failed; trying again")
                sent = 0
            if sent >= self.batch_size:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives as the wake-up does (gh-86296), and this loop then never ends (a hung stop())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self.wake.wait()
                # woken by a commit: the commits of the next moment join its pass. A pass for every
                # commit cost a registration rush a third of its throughput in passes of one or two rows
                await asyncio.sleep(self.linger)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            while not self._task.done():  # a cancellation lost in a library is asked again
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
