"""A parent's login, from the school's side: a registered pupil gets a white dot and no mail; when the
school asks ("ouderinlog versturen"), identity opens a pending parent account with a single-use
activation link; asking again replaces the link, an activated account is refused; a region may offer
a second parent's login; and every change of the dot is announced."""

import asyncio
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import select
from sqlmodel import select as select_models

from loket.contracts.envelope import new_envelope
from loket.contracts.events import MessageFailed, MessageSent
from loket.identity.persistence.models import ActivationToken, ParentAccount, School, messaging

from .conftest import opened_link

SERVICE = "identity"


async def accounts_and_events(identity):  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        accounts = (await session.exec(select_models(ParentAccount).order_by(ParentAccount.username))).all()
        tokens = (await session.exec(select_models(ActivationToken))).all()
        events = (await session.execute(select(messaging.outbox).order_by(messaging.outbox.c.seq))).all()
    return accounts, tokens, events


async def mail_went(identity, account, outcome=MessageSent, **more):  # type: ignore[no-untyped-def]
    """notificatie reports the mail of the account's newest link."""
    [issued] = [
        row
        for row in await identity.outbox("identity.activation.issued.v2")
        if row.body["payload"]["account_id"] == str(account.id)
    ][-1:]
    fields = {
        "template": "parent_activation",
        "message_id": uuid4(),
        "reference": account.id,
        "requested_by": issued.event_id,
    }
    extra = {"server_reply": "250 OK"} if outcome is MessageSent else {"reason": "550 5.1.1 mailbox unknown"}
    await identity.deliver(outcome(**fields, **(extra | more)))


async def test_a_registered_pupil_gets_a_white_dot_and_no_account_and_no_mail(identity, pupil_registered):
    registered = pupil_registered("10001")
    await identity.deliver(registered)
    accounts, tokens, events = await accounts_and_events(identity)
    assert (accounts, tokens) == ([], [])
    assert [event.routing_key for event in events] == ["identity.parent_login.state_changed.v1"]
    assert await identity.dots() == [(str(registered.pupil_id), 1, "not_sent", 0)]


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_SECOND_PARENT": True}])
async def test_a_region_that_allows_a_second_parent_offers_two_logins(identity, pupil_registered):
    registered = pupil_registered("10001")
    await identity.deliver(registered)
    assert await identity.dots() == [
        (str(registered.pupil_id), 1, "not_sent", 0),
        (str(registered.pupil_id), 2, "not_sent", 0),
    ]


async def test_when_the_school_asks_the_parent_gets_a_pending_account_and_an_activation_link(
    identity, parent_login_requested
):
    requested = parent_login_requested("10001", language="en")
    await identity.deliver(requested)
    [account], [token], [event] = await accounts_and_events(identity)
    assert (account.username, account.email, account.state, account.activation_mail, account.parent) == (
        "10001",
        "ouder@example.org",
        "pending",
        "not_sent",
        1,
    )
    assert (account.school_brin, account.birth_date, account.language) == ("12AB01", requested.birth_date, "en")
    assert event.routing_key == "identity.activation.issued.v2"  # the dot stays white until the mail is out
    issued = event.body["payload"]
    assert issued["recipient"] == "ouder@example.org" and issued["username"] == "10001"
    assert issued["language"] == "en"
    assert opened_link(event).startswith("https://ouders.loket.example/activate/")
    raw_token = opened_link(event).rsplit("/", 1)[1]
    assert len(raw_token) >= 43  # 256 bits, url-safe base64
    assert raw_token not in token.digest  # only the SHA-256 is stored
    assert token.issued_event_id == event.event_id
    assert event.body["causation_id"] is not None  # caused by the dossier event
    assert "2014" not in str(event.body)  # the birth date stays in identity
    [audited] = await identity.audit("parent_login.issued")
    assert audited.subject_id == str(account.id) and audited.detail["again"] is False


async def test_the_same_request_twice_opens_one_account(identity, parent_login_requested):
    envelope = new_envelope(parent_login_requested(), region="demo")
    assert await identity.deliver(envelope.payload, envelope) is True
    assert await identity.deliver(envelope.payload, envelope) is False
    accounts, tokens, events = await accounts_and_events(identity)
    assert (len(accounts), len(tokens), len(events)) == (1, 1, 1)


async def test_the_schools_name_is_kept_for_the_parents_to_pick_from(identity, parent_login_requested):
    await identity.deliver(parent_login_requested("10001", school_name=None))
    await identity.deliver(parent_login_requested("10002"))
    await identity.deliver(parent_login_requested("10003", school_brin="34CD01", school_name="Het Kompas"))
    async with identity.runtime.database.transaction() as session:
        schools = (await session.exec(select_models(School).order_by(School.brin))).all()
    assert [(school.brin, school.name) for school in schools] == [("12AB01", "De Regenboog"), ("34CD01", "Het Kompas")]


async def test_a_groups_logins_at_once_name_a_new_school_once_each_and_all_are_taken(identity, parent_login_requested):
    """A school sends the logins of a whole group: parallel events naming a school identity does not know
    yet. Each is handled the first time (none fails on the school's row and waits for a redelivery)."""
    requests = [parent_login_requested(f"1002{n}", school_brin="56EF01", school_name="De Linde") for n in range(5)]
    assert await asyncio.gather(*(identity.deliver(request) for request in requests)) == [True] * 5
    async with identity.runtime.database.transaction() as session:
        schools = (await session.exec(select_models(School).where(School.brin == "56EF01"))).all()
    assert [(school.brin, school.name) for school in schools] == [("56EF01", "De Linde")]


async def test_asking_again_for_a_pending_account_replaces_the_link_and_takes_the_new_address(
    identity, parent_login_requested
):
    first = parent_login_requested("10001")
    await identity.deliver(first)
    older = await identity.activation_link("10001")
    [account], _, _ = await accounts_and_events(identity)
    await mail_went(identity, account)

    await identity.deliver(first.model_copy(update={"parent_email": "andere.ouder@example.org"}))

    newer = await identity.activation_link("10001")
    [account], tokens, _ = await accounts_and_events(identity)
    assert account.email == "andere.ouder@example.org" and len(tokens) == 2
    assert (await identity.client.get(older)).status_code == 410
    assert (await identity.client.get(newer)).status_code == 200
    pupil = str(first.pupil_id)
    assert await identity.dots() == [(pupil, 1, "sent", 1), (pupil, 1, "not_sent", 2)]  # blue, white again
    issued = (await identity.outbox("identity.activation.issued.v2"))[-1]
    assert issued.body["payload"]["recipient"] == "andere.ouder@example.org"
    assert [entry.detail["again"] for entry in await identity.audit("parent_login.issued")] == [False, True]


async def test_asking_for_an_activated_account_is_refused(identity, parent_login_requested):
    requested = parent_login_requested("10001")
    assert (
        await identity.activate(await identity.ask_parent_login("10001", pupil_id=requested.pupil_id))
    ).status_code == 200
    before = await identity.outbox()

    await identity.deliver(requested)

    assert await identity.outbox() == before  # no new link, no mail
    [refused] = await identity.audit("parent_login.refused")
    assert refused.detail["reason"] == "account_activated"


async def test_a_second_parent_is_refused_where_the_region_offers_one_login(identity, parent_login_requested):
    await identity.deliver(parent_login_requested("10001", parent=2))
    accounts, _, events = await accounts_and_events(identity)
    assert (accounts, events) == ([], [])
    [refused] = await identity.audit("parent_login.refused")
    assert refused.detail == {
        "pupil_id": refused.detail["pupil_id"],
        "parent": 2,
        "reason": "second_parent_not_offered",
    }


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_SECOND_PARENT": True}])
async def test_a_second_parent_gets_a_login_of_its_own(identity, parent_login_requested):
    first = parent_login_requested("10001")
    await identity.deliver(first)
    await identity.deliver(first.model_copy(update={"parent": 2, "parent_email": "tweede.ouder@example.org"}))
    accounts, tokens, _ = await accounts_and_events(identity)
    assert [(a.username, a.parent, a.email) for a in accounts] == [
        ("10001", 1, "ouder@example.org"),
        ("10001-2", 2, "tweede.ouder@example.org"),
    ]
    assert len(tokens) == 2
    second = await identity.activation_link("10001-2")
    assert (await identity.activate(second)).status_code == 200
    response = await identity.log_in("10001-2")
    claims = await identity.app.state.token_issuer.verifier().verify(response.json()["access_token"])
    assert claims.scope.pupil == first.pupil_id and claims.sub == str(accounts[1].id)
    assert (await identity.log_in("10001")).status_code == 401  # the first parent's is still pending


async def test_the_school_sees_whether_the_activation_mail_was_sent_or_failed(identity, parent_login_requested):
    await identity.deliver(parent_login_requested("10001"))
    await identity.deliver(parent_login_requested("10002"))
    first, second = (await accounts_and_events(identity))[0]
    await mail_went(identity, first)
    await mail_went(identity, second, MessageFailed)
    first, second = (await accounts_and_events(identity))[0]
    assert (first.activation_mail, second.activation_mail) == ("sent", "failed")
    assert second.activation_mail_error == "550 5.1.1 mailbox unknown"
    assert [(parent, state, revision) for _, parent, state, revision in await identity.dots()] == [
        (1, "sent", 1),
        (1, "failed", 1),
    ]


async def test_the_outcome_of_a_replaced_links_mail_does_not_colour_the_dot(identity, parent_login_requested):
    requested = parent_login_requested("10001")
    await identity.deliver(requested)
    [account], _, _ = await accounts_and_events(identity)
    [older] = await identity.outbox("identity.activation.issued.v2")
    await identity.deliver(requested.model_copy(update={"parent_email": "juist@example.org"}))

    await identity.deliver(
        MessageFailed(
            template="parent_activation",
            message_id=uuid4(),
            reference=account.id,
            requested_by=older.event_id,
            reason="550 no such user",
        )
    )

    [account], _, _ = await accounts_and_events(identity)
    assert account.activation_mail == "not_sent" and await identity.dots() == []
    await mail_went(identity, account)
    assert await identity.dots() == [(str(requested.pupil_id), 1, "sent", 1)]


@pytest.mark.parametrize("migrated_database_url", ["postgresql"], indirect=True)
async def test_a_mail_outcome_handled_while_the_parent_activates_keeps_the_activated_dot(
    identity, parent_login_requested, migrated_database_url
):
    """The parent clicks the link the moment it arrives, while notificatie's word that it was sent is
    being handled: the dot must end activated, not the "sent" of a row read before the activation."""
    await identity.deliver(parent_login_requested("10001"))
    [account], _, _ = await accounts_and_events(identity)
    activating = await asyncpg.connect(migrated_database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        transaction = activating.transaction()
        await transaction.start()
        await activating.execute(  # what the activation writes, committed only once the outcome is on its way
            "UPDATE parent_account SET state = 'activated', login_state = 'activated', revision = revision + 1"
            " WHERE id = $1",
            account.id,
        )
        outcome = asyncio.create_task(mail_went(identity, account))
        await asyncio.sleep(0.5)
        await transaction.commit()
        await asyncio.wait_for(outcome, 10)
    finally:
        await activating.close()

    [account], _, _ = await accounts_and_events(identity)
    assert (account.state, account.activation_mail, account.login_state) == ("activated", "sent", "activated")
    assert "sent" not in [state for _, _, state, _ in await identity.dots()]
