"""notificatie mails a staff member's invitation and anyone's password reset link, in Dutch or English,
and reports the outcome without the link."""

import re
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from loket_test_support import deliver, text_of
from notificatie_support import sealed
from sqlalchemy import select
from sqlmodel import select as select_models

from loket.contracts.envelope import new_envelope
from loket.contracts.events import InvitationIssued, PasswordResetIssued
from loket.notificatie.persistence.models import Message, messaging

SERVICE = "notificatie"
INVITATION = "https://loket.example/invitation/aW52aXRhdGlvbi10b2tlbi1vZi0zMi1ieXRlcy0xMjM0NTY3"
RESET = "https://loket.example/reset/cmVzZXQtdG9rZW4tb2YtMzItYnl0ZXMtMTIzNDU2Nzg5MDEy"


def invitation(language: str = "nl") -> InvitationIssued:
    account = uuid4()
    return InvitationIssued(
        account_id=account,
        username="juf@school.example",
        role="school_user",
        school_brin="12AB01",
        recipient="juf@school.example",
        sealed_invitation_url=sealed(INVITATION, InvitationIssued, account),
        expires_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        language=language,
    )


def reset(language: str = "nl") -> PasswordResetIssued:
    account = uuid4()
    return PasswordResetIssued(
        account_id=account,
        username="10001",
        recipient="ouder@example.org",
        sealed_reset_url=sealed(RESET, PasswordResetIssued, account),
        expires_at=datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "subject", "says"),
    [
        ("nl", "kies een wachtwoord", ["gebruiker (invoeren en accorderen) van school 12AB01", "30 november 2026"]),
        ("en", "choose a password", ["user (enter and approve) of school 12AB01", "November 30, 2026"]),
    ],
)
async def test_a_new_staff_member_gets_the_invitation_in_its_language(notificatie, smtp, language, subject, says):
    await deliver(notificatie, invitation(language))

    [mail] = smtp.inbox.to("juf@school.example")
    assert subject in mail["Subject"]
    body = text_of(mail)
    assert INVITATION in body and "juf@school.example" in body
    for text in says:
        assert text in body
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and f'href="{INVITATION}"' in html.get_content()


@pytest.mark.parametrize(
    ("language", "subject", "until"),
    [("nl", "Nieuw wachtwoord", "23-11-2026, 12:30"), ("en", "New password", "11/23/26, 12:30")],
)
async def test_a_reset_link_is_mailed_with_the_time_it_stops_working(notificatie, smtp, language, subject, until):
    await deliver(notificatie, reset(language))

    [mail] = smtp.inbox.to("ouder@example.org")
    assert subject in mail["Subject"]
    body = text_of(mail)
    assert RESET in body and "10001" in body
    assert until in body  # Amsterdam time
    assert re.search(r"(niet zelf gevraagd|not ask for this)", body)


async def test_the_outcome_is_reported_and_the_links_are_stored_nowhere(notificatie, smtp):
    for payload in (invitation(), reset()):
        event = new_envelope(payload, region="demo")
        await deliver(notificatie, event.payload, event)

    async with notificatie.database.transaction() as session:
        messages = (await session.exec(select_models(Message))).all()
        outcomes = (await session.execute(select(messaging.outbox))).all()
    assert sorted(message.template for message in messages) == ["password_reset", "staff_invitation"]
    assert {outcome.routing_key for outcome in outcomes} == {"notificatie.message.sent.v1"}
    stored = str([vars(message) for message in messages]) + str([outcome.body for outcome in outcomes])
    assert INVITATION not in stored and RESET not in stored
