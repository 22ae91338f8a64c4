"""Waiting before the next attempt at a mail the mail server refused for now, in RabbitMQ.

Why the broker and not a table of scheduled retries polled by the service: the event that asked for
the mail is the only place its content lives (activation, invitation and reset mails carry a secret
link that notificatie stores nowhere), and the broker holds that event already. A retry table would
have to keep the event, link and all, in notificatie's database. The broker also does the waiting:
no poller, and every replica takes retries from the same queue.

Why a queue per wait and not one queue with a TTL per message: a queue expires only the message at
its head, so a message waiting an hour would hold back a message waiting a minute behind it. In a
queue where every message waits equally long, the head is always the first to expire.

    notificatie ─ routing key wait.<ms>ms ─► loket.notificatie.retry (direct exchange)
      ─► loket.notificatie.wait.<ms>ms (quorum queue, x-message-ttl <ms>, nobody consumes it)
      ─ expired: dead-lettered with routing key `due` ─► loket.notificatie.retry
      ─► loket.notificatie.due (quorum queue, delivery limit, dead-letters to loket.notificatie.dead)
      ─► the retry subscriber: the next attempt

The retries come back on a queue of their own, not on `loket.notificatie`, because the inbox has
recorded the event by then and would skip it: an attempt after the first is taken on the message's
own row instead (`Sending.retry`, `application/sending.py`). Quorum queues, message TTL and
at-least-once dead-lettering exist in RabbitMQ 3.10 and 4.x alike. A changed delay makes new wait
queues (the name carries the delay), so no queue is ever redeclared with other arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.rabbit import Channel, ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitMessage, RabbitQueue

from loket.contracts.inbox import UnreadableMessage
from loket.contracts.runtime.transient import retry_transient
from loket.contracts.topology import DEAD_LETTER_EXCHANGE

log = logging.getLogger(__name__)

RETRY_EXCHANGE = RabbitExchange("loket.notificatie.retry", type=ExchangeType.DIRECT, durable=True)
DUE = "due"
ATTEMPT_HEADER = "x-loket-attempt"  # which attempt the message comes back for (2 is the first retry)
PUBLISH_TIMEOUT = 10.0

Retry = Callable[[bytes, int], Awaitable[None]]


def wait_queue(delay: float) -> RabbitQueue:
    ms = max(1, round(delay * 1000))
    return RabbitQueue(
        f"loket.notificatie.wait.{ms}ms",
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=f"wait.{ms}ms",
        arguments={
            "x-message-ttl": ms,
            "x-dead-letter-exchange": RETRY_EXCHANGE.name,
            "x-dead-letter-routing-key": DUE,
            "x-dead-letter-strategy": "at-least-once",  # dead-lettered only once the due queue confirmed it
            "x-overflow": "reject-publish",
        },
    )


def due_queue(delivery_limit: int) -> RabbitQueue:
    return RabbitQueue(
        "loket.notificatie.due",
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=DUE,
        arguments={
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": "notificatie",  # into loket.notificatie.dead, with the failed events
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


class Retries:
    def __init__(
        self, broker: RabbitBroker, *, delivery_limit: int, prefetch: int, retry_transient_for: float = 300.0
    ) -> None:
        self.broker = broker
        self.delivery_limit = delivery_limit
        self.prefetch = prefetch
        self.retry_transient_for = retry_transient_for
        self._declared: set[str] = set()

    def subscribe(self, retry: Retry) -> None:
        """Take every message that has waited long enough to `retry(body, attempt)`."""

        @self.broker.subscriber(
            due_queue(self.delivery_limit),
            exchange=RETRY_EXCHANGE,
            ack_policy=AckPolicy.MANUAL,
            channel=Channel(prefetch_count=self.prefetch),
            title="loket.notificatie.due",
        )
        async def receive(message: RabbitMessage) -> None:
            attempt = _attempt(message.headers)
            try:
                if attempt is None:
                    raise UnreadableMessage(f"no {ATTEMPT_HEADER} header")
                known: int = attempt  # the delivery limit is for poison, not for a database restarting
                await retry_transient(
                    lambda: retry(message.body, known),
                    retry_for=self.retry_transient_for,
                    what=f"notificatie: retry of {message.message_id}",
                )
            except UnreadableMessage as problem:
                log.error("notificatie: dead-lettering unreadable retry %s: %s", message.message_id, problem)
                await message.reject(requeue=False)
                return
            except Exception:
                log.exception("notificatie: retry of %s failed; requeued", message.message_id)
                await message.nack(requeue=True)
                return
            await message.ack()

    async def schedule(self, body: bytes, *, attempt: int, delay: float, message_id: str) -> None:
        """Bring the event back after `delay` seconds for attempt number `attempt`. Returns once the
        broker has confirmed it; raises if it cannot, so the caller's transaction rolls back."""
        queue = wait_queue(delay)
        if queue.name not in self._declared:
            exchange = await self.broker.declare_exchange(RETRY_EXCHANGE)
            declared = await self.broker.declare_queue(queue)
            await declared.bind(exchange, routing_key=queue.routing_key)
            self._declared.add(queue.name)
        await self.broker.publish(
            body,
            exchange=RETRY_EXCHANGE,
            routing_key=queue.routing_key,
            persist=True,
            mandatory=True,
            headers={ATTEMPT_HEADER: attempt},
            content_type="application/json",
            message_id=message_id,
            timeout=PUBLISH_TIMEOUT,
        )


def _attempt(headers: dict[str, Any]) -> int | None:
    value = headers.get(ATTEMPT_HEADER)
    return value if isinstance(value, int) and value >= 2 else None
