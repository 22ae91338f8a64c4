"""Over the real RabbitMQ, PostgreSQL and an aiosmtpd server: the activation, the confirmation and the
priority-decision mail each reach the parent exactly once, also when the broker delivers an event twice."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
from loket_test_support import SmtpServer, eventually
from notificatie_support import activation_issued

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued, EventPayload, PriorityClaimDecided, RegistrationSubmitted
from loket.contracts.runtime.migrations import upgrade
from loket.contracts.runtime.service import Runtime
from loket.contracts.topology import EVENTS_EXCHANGE
from loket.notificatie.app import build
from loket.notificatie.settings import NotificatieSettings

SERVICE = "notificatie"
AT = datetime(2027, 3, 25, 10, 0, tzinfo=UTC)
LINK = "https://loket.example/activate/dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM"


@pytest.fixture
async def notificatie(database_url: str, broker_url: str, smtp: SmtpServer) -> AsyncIterator[Runtime]:
    await asyncio.to_thread(upgrade, "loket.notificatie", database_url)
    runtime, _app = build(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
            LOKET_NOTIFICATIE_SMTP_TIMEOUT=5,
            broker_url=broker_url,
            relay_poll_interval=0.2,
        )
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


async def publish(broker_url: str, payload: EventPayload, times: int = 1) -> None:
    """Publish one event, `times` times with the same event id (as a redelivery would)."""
    envelope = new_envelope(payload, region="demo")
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE.name)
        for _ in range(times):
            message = aio_pika.Message(envelope.model_dump_json().encode(), delivery_mode=2)
            await exchange.publish(message, envelope.routing_key, mandatory=True)


def mails_to(smtp: SmtpServer, address: str, at_least: int = 1) -> Callable[[], Awaitable[list[Any] | None]]:
    async def check() -> list[Any] | None:
        found = smtp.inbox.to(address)
        return found if len(found) >= at_least else None

    return check


def activation(pupil, recipient: str) -> ActivationIssued:  # type: ignore[no-untyped-def]
    return activation_issued(pupil, recipient, LINK, expires_at=AT)


async def test_each_mail_reaches_the_parent_once_when_the_broker_delivers_its_event_twice(
    notificatie, broker_url, smtp
):
    pupil = uuid4()
    await publish(broker_url, activation(pupil, "ouder@example.org"), times=2)
    await eventually(mails_to(smtp, "ouder@example.org"), what="the activation mail")
    registration = uuid4()
    await publish(
        broker_url,
        RegistrationSubmitted(pupil_id=pupil, registration_id=registration, school_brins=("94AB00",), submitted_at=AT),
        times=2,
    )
    decided = PriorityClaimDecided(
        pupil_id=pupil, registration_id=registration, school_brin="94AB00", kind="sibling", granted=True, decided_at=AT
    )
    await publish(broker_url, decided, times=2)
    # a last event for another parent: once its mail is in, the copies before it have been handled
    await publish(broker_url, activation(uuid4(), "laatste@example.org"))
    await eventually(mails_to(smtp, "laatste@example.org"), what="the last mail")
    await eventually(mails_to(smtp, "ouder@example.org", at_least=3), what="three mails")

    subjects = sorted(mail["Subject"] for mail in smtp.inbox.to("ouder@example.org"))
    assert len(subjects) == 3
    assert any("Aanmelding ontvangen" in subject for subject in subjects)
    assert any("Voorrang gehonoreerd" in subject for subject in subjects)
