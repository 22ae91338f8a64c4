"""A mail server that says "try again later" (4xx) gets the message again after a wait in RabbitMQ:
over the real broker, PostgreSQL and an aiosmtpd server, the message is sent once when the server
takes it, or reported failed once, with the server's answer, when it never does."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
from loket_test_support import SmtpServer, eventually
from notificatie_support import activation_issued
from sqlalchemy import select
from sqlmodel import select as select_models

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued
from loket.contracts.runtime.migrations import upgrade
from loket.contracts.runtime.service import Runtime
from loket.contracts.topology import EVENTS_EXCHANGE
from loket.notificatie.adapters.retries import ATTEMPT_HEADER, RETRY_EXCHANGE
from loket.notificatie.app import build
from loket.notificatie.persistence.models import Message, messaging
from loket.notificatie.settings import NotificatieSettings

SERVICE = "notificatie"
LATER = "451 4.7.1 Greylisted, please try again later"
ATTEMPTS = 3


def issued() -> ActivationIssued:
    return activation_issued(
        uuid4(), "ouder@example.org", "https://loket.example/activate/dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM"
    )


@pytest.fixture
async def notificatie(database_url: str, broker_url: str, smtp: SmtpServer) -> AsyncIterator[Runtime]:
    await asyncio.to_thread(upgrade, "loket.notificatie", database_url)
    runtime, _app = build(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
            LOKET_NOTIFICATIE_SMTP_TIMEOUT=5,
            LOKET_NOTIFICATIE_SEND_ATTEMPTS=ATTEMPTS,
            LOKET_NOTIFICATIE_RETRY_FIRST_DELAY=0.3,  # then 1.2 s
            broker_url=broker_url,
            relay_poll_interval=0.2,
        )
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


async def publish(broker_url: str, exchange: str, routing_key: str, body: bytes, **headers: int) -> None:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange)
        await target.publish(aio_pika.Message(body, headers=headers, delivery_mode=2), routing_key, mandatory=True)


async def publish_as_identity(broker_url: str, payload: ActivationIssued) -> bytes:
    event = new_envelope(payload, region="demo")
    body = event.model_dump_json().encode()
    await publish(broker_url, EVENTS_EXCHANGE.name, event.routing_key, body)
    return body


def new_envelope_id(body: bytes) -> str:
    return str(json.loads(body)["event_id"])


async def state(runtime: Runtime) -> tuple[list[Message], list[Any]]:
    async with runtime.database.transaction() as session:
        messages = list((await session.exec(select_models(Message))).all())
        events = list((await session.execute(select(messaging.outbox))).all())
    return messages, events


async def finished(runtime: Runtime) -> tuple[Message, Any] | None:
    messages, events = await state(runtime)
    if len(messages) == 1 and messages[0].state != "queued" and events:
        return messages[0], events
    return None


async def test_a_server_that_says_later_twice_gets_the_mail_once_on_the_third_attempt(notificatie, broker_url, smtp):
    smtp.inbox.refuse_next = [LATER, LATER]
    body = await publish_as_identity(broker_url, issued())
    event_id = new_envelope_id(body)

    message, [outcome] = await eventually(lambda: finished(notificatie), what="the mail sent after two waits")

    assert (message.state, message.attempts) == ("sent", 3)
    assert message.server_reply.startswith("250") and message.sent_at is not None
    assert outcome.routing_key == "notificatie.message.sent.v1"
    assert outcome.body["payload"]["requested_by"] == event_id and outcome.body["causation_id"] == event_id
    assert smtp.inbox.recipients_offered == 3
    # late or doubled copies of the retries (a crash between publishing and acknowledging) change nothing
    for attempt in (2, 3, 3):
        await publish(broker_url, RETRY_EXCHANGE.name, "due", body, **{ATTEMPT_HEADER: attempt})
    await asyncio.sleep(2)  # longer than any wait
    assert len(smtp.inbox.messages) == 1 and smtp.inbox.recipients_offered == 3
    assert len((await state(notificatie))[1]) == 1


async def test_a_server_that_always_says_later_ends_in_one_failure_with_its_answer(notificatie, broker_url, smtp):
    smtp.inbox.refuse_with = LATER
    await publish_as_identity(broker_url, issued())

    message, [outcome] = await eventually(lambda: finished(notificatie), what="the message given up")

    assert (message.state, message.attempts, message.server_reply) == ("failed", ATTEMPTS, LATER)
    assert message.failed_at is not None and message.next_attempt_at is None
    assert outcome.routing_key == "notificatie.message.failed.v1"
    assert outcome.body["payload"]["reason"] == f"{LATER} (gave up after {ATTEMPTS} attempts)"
    await asyncio.sleep(2)
    assert smtp.inbox.messages == [] and smtp.inbox.recipients_offered == ATTEMPTS
    assert len((await state(notificatie))[1]) == 1


async def test_while_it_waits_the_message_is_queued_with_the_servers_answer_and_the_next_attempt(
    notificatie, broker_url, smtp
):
    smtp.inbox.refuse_with = LATER

    async def waiting() -> Message | None:
        messages, _ = await state(notificatie)
        return messages[0] if messages and messages[0].attempts >= 1 and messages[0].state == "queued" else None

    await publish_as_identity(broker_url, issued())
    message = await eventually(waiting, what="the first refusal recorded")

    assert (message.state, message.server_reply) == ("queued", LATER)
    assert message.next_attempt_at is not None and message.next_attempt_at > message.created_at


async def test_a_retry_that_cannot_be_read_goes_to_the_dead_letter_queue(notificatie, broker_url, smtp):
    await publish(broker_url, RETRY_EXCHANGE.name, "due", b"not an event", **{ATTEMPT_HEADER: 2})
    await publish(broker_url, RETRY_EXCHANGE.name, "due", b"{}")  # no attempt header either

    async def dead_letters() -> int | None:
        connection = await aio_pika.connect(broker_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue("loket.notificatie.dead", passive=True)
            count = queue.declaration_result.message_count
        return count if count == 2 else None

    assert await eventually(dead_letters, what="both unreadable retries dead-lettered") == 2
    assert smtp.inbox.recipients_offered == 0
