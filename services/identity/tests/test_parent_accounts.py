"""When the primary school registers a pupil with a parent's address, identity opens a pending parent
account with a single-use activation link, and records whether the mail with that link went out."""

from uuid import uuid4

from sqlalchemy import select
from sqlmodel import select as select_models

from loket.contracts.envelope import new_envelope
from loket.contracts.events import MessageFailed, MessageSent
from loket.identity.persistence.models import ActivationToken, ParentAccount, messaging

SERVICE = "identity"


async def accounts_and_events(identity):  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        accounts = (await session.exec(select_models(ParentAccount))).all()
        tokens = (await session.exec(select_models(ActivationToken))).all()
        events = (await session.execute(select(messaging.outbox))).all()
    return accounts, tokens, events


async def test_a_registered_pupil_gets_a_pending_parent_account_and_an_activation_link(identity, pupil_registered):
    registered = pupil_registered("10001")
    await identity.deliver(registered)
    [account], [token], [event] = await accounts_and_events(identity)
    assert (account.username, account.email, account.state, account.activation_mail) == (
        "10001",
        "ouder@example.org",
        "pending",
        "not_sent",
    )
    assert event.routing_key == "identity.activation.issued.v1"
    issued = event.body["payload"]
    assert issued["recipient"] == "ouder@example.org" and issued["username"] == "10001"
    assert issued["activation_url"].startswith("https://ouders.loket.example/activate/")
    raw_token = issued["activation_url"].rsplit("/", 1)[1]
    assert len(raw_token) >= 43  # 256 bits, url-safe base64
    assert raw_token not in token.digest  # only the SHA-256 is stored
    assert event.body["causation_id"] is not None  # caused by the dossier event


async def test_the_same_event_twice_opens_one_account(identity, pupil_registered):
    envelope = new_envelope(pupil_registered(), region="demo")
    assert await identity.deliver(envelope.payload, envelope) is True
    assert await identity.deliver(envelope.payload, envelope) is False
    accounts, tokens, events = await accounts_and_events(identity)
    assert (len(accounts), len(tokens), len(events)) == (1, 1, 1)


async def test_a_second_registration_of_the_same_pupil_opens_no_second_account(identity, pupil_registered):
    first = pupil_registered()
    await identity.deliver(first)
    await identity.deliver(first.model_copy(update={"parent_email": "andere.ouder@example.org"}))
    accounts, _, events = await accounts_and_events(identity)
    assert [a.email for a in accounts] == ["ouder@example.org"] and len(events) == 1


async def test_the_school_sees_whether_the_activation_mail_was_sent_or_failed(identity, pupil_registered):
    await identity.deliver(pupil_registered("10001"))
    await identity.deliver(pupil_registered("10002"))
    first, second = sorted((await accounts_and_events(identity))[0], key=lambda a: a.username)
    common = {"template": "parent_activation", "message_id": uuid4(), "requested_by": uuid4()}
    await identity.deliver(MessageSent(reference=first.id, server_reply="250 OK", **common))
    await identity.deliver(
        MessageFailed(reference=second.id, reason="550 5.1.1 mailbox unknown", **common | {"message_id": uuid4()})
    )
    first, second = sorted((await accounts_and_events(identity))[0], key=lambda a: a.username)
    assert (first.activation_mail, second.activation_mail) == ("sent", "failed")
    assert second.activation_mail_error == "550 5.1.1 mailbox unknown"
