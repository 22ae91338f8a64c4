"""The parent follows the mailed link: the page shows the form and consumes nothing; setting a
password uses the link up."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import select as select_models

from loket.identity.persistence.models import ActivationToken, ParentAccount, messaging

SERVICE = "identity"
PASSWORD = {"password": "zomer-2026-fiets", "password_repeat": "zomer-2026-fiets"}


@pytest.fixture
async def link(identity, pupil_registered):  # type: ignore[no-untyped-def]
    await identity.deliver(pupil_registered("10001"))
    async with identity.runtime.database.transaction() as session:
        [event] = (await session.execute(select(messaging.outbox))).all()
    return "/activate/" + event.body["payload"]["activation_url"].rsplit("/", 1)[1]


async def account(identity) -> ParentAccount:  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        return (await session.exec(select_models(ParentAccount))).one()


async def test_opening_the_link_shows_the_form_and_consumes_nothing(identity, link):
    for _ in range(3):  # a mail scanner, the parent, the parent again
        page = await identity.client.get(link)
        assert page.status_code == 200
        assert "10001" in page.text and 'method="post"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert (await account(identity)).state == "pending"


async def test_setting_a_password_activates_the_account_once(identity, link):
    done = await identity.client.post(link, data=PASSWORD)
    assert done.status_code == 200 and "geactiveerd" in done.text
    activated = await account(identity)
    assert activated.state == "activated" and activated.activated_at is not None
    assert activated.password_hash.startswith("$argon2id$")
    assert PASSWORD["password"] not in activated.password_hash
    again = await identity.client.post(link, data=PASSWORD)
    assert again.status_code == 410 and "al gebruikt" in again.text
    assert (await identity.client.get(link)).status_code == 410


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"password": "zomer-2026-fiets", "password_repeat": "winter-2026-fiets"}, "niet gelijk"),
        ({"password": "kort", "password_repeat": "kort"}, "minstens 10"),
    ],
)
async def test_a_refused_password_says_why_and_changes_nothing(identity, link, form, says):
    page = await identity.client.post(link, data=form)
    assert page.status_code == 422 and says in page.text
    assert (await account(identity)).state == "pending"
    assert (await identity.client.post(link, data=PASSWORD)).status_code == 200  # the link still works


async def test_an_expired_link_is_refused_and_says_to_ask_the_school(identity, link):
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(ActivationToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    page = await identity.client.post(link, data=PASSWORD)
    assert page.status_code == 410 and "basisschool" in page.text
    assert (await account(identity)).state == "pending"


async def test_an_unknown_link_is_refused(identity, link):
    assert (await identity.client.get("/activate/not-a-token")).status_code == 404
    assert (await identity.client.post("/activate/not-a-token", data=PASSWORD)).status_code == 404
