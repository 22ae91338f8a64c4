"""A service's dead letters for its operator: what lies in `loket.<service>.dead`, and, once the cause is
mended, each one handed back to the service's work queue.

Handing back is safe because every consumer is idempotent (its inbox): an event that was handled after
all has no second effect. A message goes back with its own body and properties, without the broker's
`x-death` bookkeeping, and is acknowledged in the dead-letter queue only after the broker confirmed the
new copy, so a replay that is cut off loses nothing (at worst a message is in both queues, and the inbox
makes that harmless). Payloads are never printed: they may hold what only the service may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from loket.contracts.topology import ServiceQueues

DEATH_HEADERS = frozenset(
    {
        "x-death",
        "x-first-death-exchange",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-last-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
        "x-delivery-count",
    }
)


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    event: str | None  # the routing key it was published with
    reason: str  # the broker's: `delivery_limit` (it kept failing) or `rejected` (unreadable)
    deaths: int


def described(message: AbstractIncomingMessage) -> DeadLetter:
    deaths: list[dict[str, Any]] = list(message.headers.get("x-death") or [])  # type: ignore[arg-type]
    first = deaths[0] if deaths else {}
    keys = first.get("routing-keys") or [None]
    return DeadLetter(
        event_id=message.message_id,
        event=str(keys[0]) if keys[0] is not None else message.type,
        reason=str(message.headers.get("x-first-death-reason") or first.get("reason") or "unknown"),
        deaths=sum(int(death.get("count", 1)) for death in deaths),
    )


async def dead_letters(broker_url: str, service: str, *, replay: bool = False, limit: int = 1000) -> list[DeadLetter]:
    """The first `limit` dead letters of `service`; with `replay`, each is handed back to its work queue."""
    queues = ServiceQueues(service)
    connection = await aio_pika.connect(broker_url)
    found: list[DeadLetter] = []
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        try:
            dead = await channel.get_queue(queues.dead.name, ensure=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return []  # the service never ran on this broker: nothing can have died
        looked_at: list[AbstractIncomingMessage] = []
        if replay:  # through an exchange of its own: the service's broker user may not publish to any queue
            back = await channel.declare_exchange(
                f"{queues.work.name}.replay", aio_pika.ExchangeType.DIRECT, durable=True
            )
            work = await channel.get_queue(queues.work.name, ensure=True)
            await work.bind(back, routing_key=service)
        while len(found) < limit and (message := await dead.get(fail=False, no_ack=False)) is not None:
            found.append(described(message))
            if replay:
                await back.publish(again(message), routing_key=service, mandatory=True)
                await message.ack()
            else:
                looked_at.append(message)
        for message in looked_at:
            await message.nack(requeue=True)  # only looked at: they stay, in their order
    return found


def again(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers = {key: value for key, value in message.headers.items() if key not in DEATH_HEADERS}
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
    )
