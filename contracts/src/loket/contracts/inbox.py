"""The inbox: a consumer's effects and the id of the event that caused them commit together, so an
event delivered twice has its effects once. Our own, not a library's: FastStream acks and nacks but
has no idempotent consumer, and the inbox row must commit in the handler's own database transaction.

`Consumer` is the one subscriber of a service's queue. It parses the envelope, looks up the
handler by routing key, and runs it in one transaction with the inbox row and any events the
handler emits (outbox). Ack after commit. A message that cannot be read (bad JSON, unknown type,
payload not matching its schema) is rejected at once into the dead-letter queue; a handler that
raises has the message requeued, until the queue's delivery limit dead-letters it.

The delivery limit is for poison, not for a database restart: when the handling fails because the
database or the broker is briefly away (`runtime.transient.is_transient`), the consumer keeps the
message and tries again in-process, waiting 0.5 s, then twice as long each time (at most 10 s), for up
to `retry_transient_for` seconds; only then does the failure count as one delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.envelope import Envelope, RawEnvelope
from loket.contracts.events import CATALOG, EventPayload
from loket.contracts.runtime.logging import bound
from loket.contracts.runtime.transient import retry_transient
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.contracts.topology import SUBSCRIPTIONS, ServiceQueues

log = logging.getLogger(__name__)

P = TypeVar("P", bound=EventPayload)


@dataclass
class Delivery(Generic[P]):
    """What a handler gets: the event, and the unit of work whose transaction also records it in the
    inbox; what the handler emits carries the event's correlation id and names it as its cause."""

    envelope: Envelope[P]
    work: UnitOfWork[Any]

    @property
    def payload(self) -> P:
        return self.envelope.payload

    @property
    def session(self) -> AsyncSession:
        return self.work.session

    async def emit(self, payload: EventPayload) -> Envelope[EventPayload]:
        """Publish a follow-up event, caused by this one, when the transaction commits."""
        return await self.work.emit(payload)


Handler = Callable[[Delivery[Any]], Awaitable[None]]


class UnreadableMessage(Exception):
    """The message is not an event this service can read; retrying will not change that."""


class Consumer:
    def __init__(self, service: str, work: Work[Any], inbox: Table, *, retry_transient_for: float = 300.0) -> None:
        self.service = service
        self.work = work
        self.database = work.database
        self.inbox = inbox
        self.retry_transient_for = retry_transient_for
        self.handlers: dict[str, Handler] = {}

    def _insert_inbox(self) -> postgresql.Insert | sqlite.Insert:
        if self.database.is_sqlite:
            return sqlite.insert(self.inbox)
        return postgresql.insert(self.inbox)

    def on(self, event: type[P]) -> Callable[[Callable[[Delivery[P]], Awaitable[None]]], Handler]:
        def register(handler: Callable[[Delivery[P]], Awaitable[None]]) -> Handler:
            key = event.routing_key()
            if key in self.handlers:
                raise ValueError(f"{self.service} handles {key} twice")
            self.handlers[key] = handler
            return handler

        return register

    def check_subscriptions(self) -> None:
        """A handler for an event the service's queue is not bound to would never run."""
        subscribed = {event.routing_key() for event in SUBSCRIPTIONS.get(self.service, ())}
        if stray := set(self.handlers) - subscribed:
            raise RuntimeError(
                f"{self.service} handles {sorted(stray)}, which loket.contracts.topology.SUBSCRIPTIONS "
                f"does not route to it"
            )

    def subscribe(self, broker: RabbitBroker, *, delivery_limit: int, prefetch: int) -> None:
        """Attach the service's one subscriber to its work queue."""
        self.check_subscriptions()
        if not self.handlers:
            return
        from faststream.rabbit import Channel

        @broker.subscriber(
            ServiceQueues(self.service, delivery_limit).work,
            ack_policy=AckPolicy.MANUAL,
            channel=Channel(prefetch_count=prefetch),
            title=f"loket.{self.service}",
        )
        async def receive(message: RabbitMessage) -> None:
            await self.receive(message)

    async def receive(self, message: RabbitMessage) -> None:
        try:
            envelope, handler = self.read(message.body)
        except UnreadableMessage as problem:
            log.error("%s: dead-lettering unreadable message %s: %s", self.service, message.message_id, problem)
            await message.reject(requeue=False)
            return
        trail = bound(
            correlation_id=envelope.correlation_id,
            event=envelope.routing_key,
            event_id=envelope.event_id,
            causation_id=envelope.causation_id,
        )
        with trail:
            try:
                await self.handle_patiently(envelope, handler)
            except Exception:
                log.exception(
                    "%s: handling %s %s failed; requeued", self.service, envelope.routing_key, envelope.event_id
                )
                await message.nack(requeue=True)
                return
            await message.ack()

    async def handle_patiently(self, envelope: Envelope[Any], handler: Handler) -> bool:
        """`handle`, tried again with a growing pause while it fails because the database or the broker is
        away, for up to `retry_transient_for` seconds; any other failure, or one that lasts longer, raises."""
        return await retry_transient(
            lambda: self.handle(envelope, handler),
            retry_for=self.retry_transient_for,
            what=f"{self.service}: handling {envelope.routing_key} {envelope.event_id}",
        )

    def read(self, body: bytes) -> tuple[Envelope[Any], Handler]:
        try:
            raw = RawEnvelope.model_validate_json(body)
        except ValidationError as error:
            raise UnreadableMessage(f"not an event envelope: {_first_error(error)}") from None
        key = raw.routing_key
        handler = self.handlers.get(key)
        payload_type = CATALOG.get(key)
        if handler is None or payload_type is None:
            raise UnreadableMessage(f"{self.service} does not handle {key}")
        try:
            payload = payload_type.model_validate(raw.payload)
        except ValidationError as error:
            raise UnreadableMessage(f"{key} payload: {_first_error(error)}") from None
        return Envelope[Any](**{**raw.model_dump(exclude={"payload"}), "payload": payload}), handler

    async def handle(self, envelope: Envelope[Any], handler: Handler) -> bool:
        """Run the handler once per event id; return False when the event was seen before."""
        async with self.work(correlation_id=envelope.correlation_id, causation_id=envelope.event_id) as work:
            session = work.session
            # A second delivery of the same event, even one running at the same moment on another
            # replica, inserts nothing here (it waits for the first transaction on PostgreSQL).
            recorded = await session.execute(
                self._insert_inbox()
                .values(event_id=envelope.event_id, routing_key=envelope.routing_key, received_at=datetime.now(UTC))
                .on_conflict_do_nothing(index_elements=["event_id"])
            )
            if recorded.rowcount == 0:  # type: ignore[attr-defined]
                log.info("%s: %s %s already handled", self.service, envelope.routing_key, envelope.event_id)
                return False
            await handler(Delivery(envelope=envelope, work=work))
        return True


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
