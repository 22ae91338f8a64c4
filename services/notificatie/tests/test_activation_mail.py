"""notificatie turns an issued activation link into one mail to the parent, and reports the outcome."""

from pathlib import Path
from uuid import uuid4

import pytest
from faststream.exceptions import IncorrectState
from loket_test_support import activation_link, deliver, text_of
from notificatie_support import activation_issued
from sqlalchemy import select
from sqlmodel import select as select_models

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued, ActivationIssuedV1
from loket.contracts.runtime.link_sealing import LinkSealer
from loket.contracts.runtime.sealing import SealingKeyError, new_key
from loket.notificatie.app import build
from loket.notificatie.persistence.models import Message, messaging
from loket.notificatie.settings import NotificatieSettings

SERVICE = "notificatie"
LINK = "https://ouders.loket.example/activate/dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM"


def issued(recipient: str = "ouder@example.org", language: str = "nl") -> ActivationIssued:
    return activation_issued(uuid4(), recipient, LINK, language=language)


async def recorded(runtime):  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        messages = (await session.exec(select_models(Message))).all()
        events = (await session.execute(select(messaging.outbox))).all()
    return messages, events


async def test_the_parent_gets_one_mail_with_the_link_and_the_username(notificatie, smtp):
    await deliver(notificatie, issued())
    [mail] = smtp.inbox.messages
    assert mail["To"] == "ouder@example.org"
    assert "account" in mail["Subject"].lower()
    assert activation_link(mail) == LINK
    body = text_of(mail)
    assert "ELK-nummer van uw kind: 10001" in body
    assert "7 december 2026" in body  # the expiry in Dutch
    assert "In English" in body
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and f'href="{LINK}"' in html.get_content()


async def test_the_mail_tells_the_parent_what_the_page_will_ask(notificatie, smtp):
    await deliver(notificatie, issued())
    body = text_of(smtp.inbox.messages[0])
    assert "basisschool" in body and "geboortedatum" in body
    assert "primary school and date of birth" in body  # the English paragraph too


async def test_a_parent_whose_school_chose_english_gets_the_mail_in_english(notificatie, smtp):
    await deliver(notificatie, issued(language="en"))
    [mail] = smtp.inbox.messages
    body = text_of(mail)
    assert "Create your account" in mail["Subject"]
    assert "Your username is your child's ELK number: 10001" in body and "December 7, 2026" in body
    assert activation_link(mail) == LINK and "Beste" not in body


async def test_a_sent_mail_is_recorded_and_reported_without_the_secret_link(notificatie, smtp):
    event = new_envelope(issued(), region="demo")
    await deliver(notificatie, event.payload, event)
    [message], [outcome] = await recorded(notificatie)
    assert message.state == "sent" and message.server_reply.startswith("250")
    assert outcome.routing_key == "notificatie.message.sent.v1"
    assert outcome.body["payload"]["reference"] == str(event.payload.account_id)
    assert outcome.body["payload"]["requested_by"] == str(event.event_id)
    assert outcome.body["causation_id"] == str(event.event_id)
    assert LINK not in str(vars(message)) and LINK not in str(outcome.body)


async def test_the_same_event_delivered_twice_sends_one_mail(notificatie, smtp):
    event = new_envelope(issued(), region="demo")
    assert await deliver(notificatie, event.payload, event) is True
    assert await deliver(notificatie, event.payload, event) is False
    assert len(smtp.inbox.messages) == 1
    messages, events = await recorded(notificatie)
    assert (len(messages), len(events)) == (1, 1)


async def test_a_refused_address_is_reported_as_failed_with_the_servers_reason(notificatie, smtp):
    smtp.inbox.refuse_with = "550 5.1.1 mailbox unknown"
    await deliver(notificatie, issued("niemand@example.org"))
    [message], [outcome] = await recorded(notificatie)
    assert message.state == "failed"
    assert outcome.routing_key == "notificatie.message.failed.v1"
    assert "550" in outcome.body["payload"]["reason"] and "mailbox unknown" in outcome.body["payload"]["reason"]
    assert smtp.inbox.messages == []


async def test_when_a_retry_cannot_be_scheduled_nothing_is_recorded_and_the_event_is_delivered_again(
    migrated_database_url,
):
    """An unreachable mail server is a temporary failure: the event must wait in RabbitMQ. With no broker
    to take it, the transaction rolls back, so the broker's redelivery starts afresh and nothing is lost."""
    from loket_test_support import free_port

    runtime, _ = build(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=migrated_database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=free_port(),
            LOKET_NOTIFICATIE_SMTP_TIMEOUT=2,
        )
    )
    event = new_envelope(issued(), region="demo")
    with pytest.raises(IncorrectState, match="connect broker"):  # never started: nowhere to wait
        await deliver(runtime, event.payload, event)
    assert await recorded(runtime) == ([], [])
    await runtime.database.dispose()


async def test_a_name_with_html_in_the_mail_is_shown_as_text(notificatie, smtp):
    await deliver(notificatie, issued().model_copy(update={"username": "<b>10001</b>"}))
    html = smtp.inbox.messages[0].get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;10001&lt;/b&gt;" in html and "<b>10001</b>" not in html


async def test_the_link_travels_sealed_and_notificatie_opens_it_only_for_the_mail(notificatie, smtp):
    event = issued()
    assert LINK not in event.model_dump_json() and LINK.rsplit("/", 1)[1] not in event.model_dump_json()
    await deliver(notificatie, event)
    assert activation_link(smtp.inbox.messages[0]) == LINK


async def test_an_event_of_v1_with_the_link_in_clear_in_flight_at_the_upgrade_is_still_mailed(notificatie, smtp):
    old = ActivationIssuedV1(
        **issued().model_dump(exclude={"sealed_activation_url"}),
        activation_url=LINK,  # type: ignore[arg-type]
    )
    await deliver(notificatie, old)
    [mail] = smtp.inbox.messages
    assert activation_link(mail) == LINK
    [message], [outcome] = await recorded(notificatie)
    assert message.state == "sent" and outcome.routing_key == "notificatie.message.sent.v1"


async def test_a_link_sealed_with_another_key_is_not_mailed_and_the_error_names_the_setting(notificatie, smtp):
    event = issued()
    wrong = LinkSealer(new_key(), Path("unused")).seal(LINK, ActivationIssued.event_type, event.account_id)
    with pytest.raises(SealingKeyError, match="LOKET_LINK_KEY"):
        await deliver(notificatie, event.model_copy(update={"sealed_activation_url": wrong}))
    assert smtp.inbox.messages == [] and await recorded(notificatie) == ([], [])


async def test_a_sealed_link_moved_onto_another_account_does_not_open(notificatie, smtp):
    event, other = issued(), issued()
    with pytest.raises(SealingKeyError):
        await deliver(notificatie, other.model_copy(update={"sealed_activation_url": event.sealed_activation_url}))
    assert smtp.inbox.messages == []
