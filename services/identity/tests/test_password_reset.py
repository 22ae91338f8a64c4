"""Forgotten password: asking answers the same for every username; an activated account gets a mailed,
single-use link; choosing a new password ends every session of the account."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import update

from loket.contracts.tokens import Role
from loket.identity.persistence.models import PasswordReset

from .conftest import opened_link

SERVICE = "identity"
PASSWORD = "zomer-2026-fiets"  # what `identity.add_staff` gives everyone
NEW = {"password": "herfst-2026-regen", "password_repeat": "herfst-2026-regen"}
RESET_ISSUED = "identity.password_reset.issued.v2"


async def ask(identity, username: str, **kwargs):  # type: ignore[no-untyped-def]
    return await identity.client.post("/password-reset", json={"username": username}, **kwargs)


async def reset_link(identity) -> str:  # type: ignore[no-untyped-def]
    issued = (await identity.outbox(RESET_ISSUED))[-1]
    url = opened_link(issued)
    assert url.startswith("https://ouders.loket.example/reset/")
    return "/reset/" + url.rsplit("/", 1)[1]


async def test_asking_answers_the_same_whether_the_account_exists_or_not(identity):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.add_staff("nieuw@school.example", Role.SCHOOL_USER, school="12AB01", state="pending", password=None)

    answers = [
        await ask(identity, name, headers={"Host": "evil.example"})
        for name in ("juf@school.example", "niemand@school.example", "nieuw@school.example", "99999")
    ]

    assert {(answer.status_code, answer.text) for answer in answers} == {(202, answers[0].text)}
    [issued] = await identity.outbox(RESET_ISSUED)  # only the activated account gets a mail
    payload = issued.body["payload"]
    assert (payload["recipient"], payload["username"]) == ("juf@school.example", "juf@school.example")
    assert opened_link(issued).startswith("https://ouders.loket.example/reset/")  # never from the Host header
    outcomes = [
        (entry.outcome, entry.detail.get("reason")) for entry in await identity.audit("password_reset.requested")
    ]
    assert outcomes == [
        ("succeeded", None),
        ("failed", "unknown_account"),
        ("failed", "account_pending"),
        ("failed", "unknown_account"),
    ]


async def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    assert (await identity.log_in(teacher)).status_code == 200  # a session on another computer
    await ask(identity, "juf@school.example")
    link = await reset_link(identity)

    for _ in range(2):  # a mail scanner, then the teacher
        page = await identity.client.get(link)
        assert page.status_code == 200 and "juf@school.example" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"

    done = await identity.client.post(link, data=NEW)

    assert done.status_code == 200 and "ingesteld" in done.text
    assert (await identity.client.post("/token")).status_code == 401  # the old session is over
    assert (await identity.log_in(teacher)).status_code == 401
    assert (await identity.log_in(teacher, NEW["password"])).status_code == 200
    [completed] = await identity.audit("password_reset.completed")
    assert completed.detail["sessions_ended"] == 1


async def test_a_common_password_is_refused_at_reset_and_the_link_still_works(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await ask(identity, "juf@school.example")
    link = await reset_link(identity)
    for weak in ("qwertyuiop", "zzzzzzzzzzzz", "juf@school.example"):
        refused = await identity.client.post(link, data={"password": weak, "password_repeat": weak})
        assert refused.status_code == 422 and "Kies een ander" in refused.text
    assert (await identity.log_in(teacher)).status_code == 200  # unchanged
    assert (await identity.client.post(link, data=NEW)).status_code == 200


async def test_a_used_reset_link_is_refused(identity):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await ask(identity, "juf@school.example")
    link = await reset_link(identity)
    assert (await identity.client.post(link, data=NEW)).status_code == 200

    again = await identity.client.post(link, data={"password": "x" * 12, "password_repeat": "x" * 12})

    assert again.status_code == 410 and "al gebruikt" in again.text
    assert (await identity.client.get(link)).status_code == 410
    assert [entry.detail["reason"] for entry in await identity.audit("link.refused")] == ["used_or_expired"]


async def test_an_expired_reset_link_is_refused(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await ask(identity, "juf@school.example")
    link = await reset_link(identity)
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))

    expired = await identity.client.post(link, data=NEW)

    assert expired.status_code == 410 and "verlopen" in expired.text and "Wachtwoord vergeten" in expired.text
    assert (await identity.log_in(teacher)).status_code == 200  # the password did not change


async def test_a_new_reset_link_replaces_the_one_before(identity):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await ask(identity, "juf@school.example")
    older = await reset_link(identity)
    await ask(identity, "juf@school.example")
    newer = await reset_link(identity)

    assert (await identity.client.get(older)).status_code == 410
    assert (await identity.client.post(newer, data=NEW)).status_code == 200


async def test_a_parent_resets_the_password_by_the_elk_number(identity):
    assert (
        await identity.activate(await identity.ask_parent_login("10001", language="en"), PASSWORD)
    ).status_code == 200

    await ask(identity, "10001")

    [issued] = await identity.outbox(RESET_ISSUED)
    payload = issued.body["payload"]
    assert (payload["recipient"], payload["username"], payload["language"]) == ("ouder@example.org", "10001", "en")
    assert (await identity.client.post(await reset_link(identity), data=NEW)).status_code == 200
    assert (await identity.client.post("/token")).status_code == 401  # the activation's session ended
    assert (await identity.log_in("10001", PASSWORD)).status_code == 401
    assert (await identity.log_in("10001", NEW["password"])).status_code == 200


async def test_a_pending_parent_gets_no_reset_mail_but_asks_the_school(identity):
    await identity.ask_parent_login("10001")
    assert (await ask(identity, "10001")).status_code == 202
    assert await identity.outbox(RESET_ISSUED) == []


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_SECOND_PARENT": True}])
async def test_a_second_parent_resets_its_own_password(identity):
    pupil = uuid4()
    first = await identity.ask_parent_login("10001", pupil_id=pupil)
    second = await identity.ask_parent_login("10001", pupil_id=pupil, parent=2, parent_email="tweede@example.org")
    for link in (first, second):
        assert (await identity.activate(link, PASSWORD)).status_code == 200

    await ask(identity, "10001-2")

    [issued] = await identity.outbox(RESET_ISSUED)
    assert (issued.body["payload"]["recipient"], issued.body["payload"]["username"]) == (
        "tweede@example.org",
        "10001-2",
    )
    assert (await identity.client.post(await reset_link(identity), data=NEW)).status_code == 200
    assert (await identity.log_in("10001-2", NEW["password"])).status_code == 200
    assert (await identity.log_in("10001", PASSWORD)).status_code == 200  # the first parent's is untouched


async def test_asking_again_and_again_for_one_account_is_throttled(identity, clock):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    for _ in range(5):
        assert (await ask(identity, "juf@school.example")).status_code == 202
    throttled = await ask(identity, "juf@school.example")
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert len(await identity.outbox(RESET_ISSUED)) == 5


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 3}])
async def test_trying_made_up_links_is_throttled_per_address(identity, clock):
    async with identity.other_client("192.0.2.7") as guesser:
        for n in range(3):
            assert (await guesser.post(f"/reset/gok{n}", data=NEW)).status_code == 404
        throttled = await guesser.post("/reset/gok3", data=NEW)
    assert throttled.status_code == 429 and "Te veel pogingen" in throttled.text
    assert throttled.headers["referrer-policy"] == "no-referrer"
