"""A new staff member follows the mailed invitation: the page shows the form and consumes nothing;
choosing a password uses the link up and activates the account."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from loket.contracts.tokens import Role
from loket.identity.application.staff import NewStaff
from loket.identity.domain.staff import Assignment
from loket.identity.persistence.models import Invitation

from .conftest import opened_link

SERVICE = "identity"
PASSWORD = {"password": "winter-2026-schaats", "password_repeat": "winter-2026-schaats"}


@pytest.fixture
async def link(identity):  # type: ignore[no-untyped-def]
    new = NewStaff("juf@school.example", Assignment.of(Role.SCHOOL_USER, school="12AB01", groups=["8a"]))
    await identity.app.state.administration.invite(None, new, client_address=None)
    [event] = await identity.outbox("identity.invitation.issued.v2")
    return "/invitation/" + opened_link(event).rsplit("/", 1)[1]


async def test_opening_the_invitation_shows_the_form_and_consumes_nothing(identity, link):
    for _ in range(3):  # a mail scanner, the teacher, the teacher again
        page = await identity.client.get(link)
        assert page.status_code == 200
        assert "juf@school.example" in page.text and 'method="post"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert '<meta name="referrer" content="no-referrer">' in page.text
    assert (await identity.staff("juf@school.example")).state == "pending"


async def test_choosing_a_password_activates_the_account_once(identity, link):
    done = await identity.client.post(link, data=PASSWORD)

    assert done.status_code == 200 and "ingesteld" in done.text
    account = await identity.staff("juf@school.example")
    assert account.state == "activated" and account.password_hash.startswith("$argon2id$")
    assert (await identity.log_in("juf@school.example", PASSWORD["password"])).status_code == 200
    again = await identity.client.post(link, data=PASSWORD)
    assert again.status_code == 410 and "al gebruikt" in again.text
    [accepted] = await identity.audit("invitation.accepted")
    assert accepted.subject_id == str(account.id)


async def test_a_refused_password_says_why_and_keeps_the_link(identity, link):
    short = await identity.client.post(link, data={"password": "kort", "password_repeat": "kort"})
    assert short.status_code == 422 and "minstens 10" in short.text
    address = {"password": "Juf@School.example", "password_repeat": "Juf@School.example"}
    own_address = await identity.client.post(link, data=address)
    assert own_address.status_code == 422 and "uw gebruikersnaam of e-mailadres" in own_address.text
    jansen = {"password": "juf2026!!!", "password_repeat": "juf2026!!!"}  # what is left without "juf" is short
    assert (await identity.client.post(link, data=jansen)).status_code == 422
    common = {"password": "password123", "password_repeat": "password123"}
    refused = await identity.client.post(link, data=common)
    assert refused.status_code == 422 and "This password is in the lists of common and leaked" in refused.text
    assert (await identity.client.post(link, data=PASSWORD)).status_code == 200


async def test_an_expired_invitation_says_to_ask_the_administrator(identity, link):
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(Invitation).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    expired = await identity.client.post(link, data=PASSWORD)
    assert expired.status_code == 410 and "beheerder" in expired.text
    assert (await identity.staff("juf@school.example")).state == "pending"


async def test_the_link_comes_from_the_configured_address_and_only_its_digest_is_kept(identity, link):
    [event] = await identity.outbox("identity.invitation.issued.v2")
    assert opened_link(event) == "https://ouders.loket.example" + link
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits, url-safe base64; at least 128 are required
    async with identity.runtime.database.transaction() as session:
        [stored] = (await session.exec(select(Invitation))).all()
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
