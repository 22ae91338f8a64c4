"""A login starts a session for the web portal: the refresh token lives in an HttpOnly cookie, is
replaced on every use, and a copied one that comes back ends the session for everyone."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col, select

from loket.contracts.tokens import Role
from loket.identity.persistence.models import LoginSession, RefreshToken

SERVICE = "identity"
COOKIE = "loket_refresh"


def browser(identity, refresh_token: str, address: str = "127.0.0.1") -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """Another browser holding `refresh_token` in its cookie."""
    transport = httpx.ASGITransport(identity.app, client=(address, 5555))
    return httpx.AsyncClient(transport=transport, base_url="https://identity", cookies={COOKIE: refresh_token})


async def test_the_refresh_token_is_replaced_on_every_use(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    first = identity.client.cookies[COOKIE]

    refreshed = await identity.client.post("/token")

    assert refreshed.status_code == 200, refreshed.text
    assert identity.client.cookies[COOKIE] != first
    claims = await identity.app.state.token_issuer.verifier().verify(refreshed.json()["access_token"])
    assert claims.sub == str(teacher.id) and claims.role == Role.SCHOOL_USER
    assert (await identity.client.post("/token")).status_code == 200


async def test_a_refresh_token_that_comes_back_after_use_ends_the_session_for_both_holders(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    copied = identity.client.cookies[COOKIE]
    assert (await identity.client.post("/token")).status_code == 200  # the teacher refreshes

    async with browser(identity, copied, address="203.0.113.9") as thief:
        stolen = await thief.post("/token")

    assert stolen.status_code == 401
    assert (await identity.client.post("/token")).status_code == 401  # the teacher logs in again
    [reuse] = await identity.audit("session.refresh_token_reused")
    assert (reuse.subject_id, reuse.client_address, reuse.detail["reason"]) == (
        str(teacher.id),
        "203.0.113.9",
        "refresh_token_reused",
    )


async def test_two_tabs_of_one_browser_refreshing_at_once_both_go_on(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    shared = identity.client.cookies[COOKIE]

    async with browser(identity, shared) as first_tab, browser(identity, shared) as second_tab:
        first, second = await first_tab.post("/token"), await second_tab.post("/token")
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.cookies[COOKIE] != second.cookies[COOKIE]  # each tab its own next token
        async with browser(identity, second.cookies[COOKIE]) as later:
            assert (await later.post("/token")).status_code == 200  # the session goes on
    assert await identity.audit("session.refresh_token_reused") == []


async def test_a_used_refresh_token_from_the_same_address_later_still_ends_the_session(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    copied = identity.client.cookies[COOKIE]
    assert (await identity.client.post("/token")).status_code == 200
    async with identity.runtime.database.transaction() as session:  # as if a minute had passed
        for token in (await session.exec(select(RefreshToken).where(col(RefreshToken.used_at).is_not(None)))).all():
            token.used_at = (token.used_at or datetime.now(UTC)) - timedelta(minutes=1)
            session.add(token)

    async with browser(identity, copied) as late:
        assert (await late.post("/token")).status_code == 401

    assert (await identity.client.post("/token")).status_code == 401
    assert len(await identity.audit("session.refresh_token_reused")) == 1


async def test_logging_out_ends_the_session(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    cookie = identity.client.cookies[COOKIE]

    out = await identity.client.post("/logout")

    assert out.status_code == 204 and 'loket_refresh=""' in out.headers["set-cookie"]
    async with browser(identity, cookie) as kept_a_copy:  # the cookie, unused, but its session is over
        assert (await kept_a_copy.post("/token")).status_code == 401
    [ended] = await identity.audit("session.ended")
    assert (ended.outcome, ended.subject_id) == ("succeeded", str(teacher.id))


async def test_a_session_ends_when_idle_too_long(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    await identity.log_in(teacher)
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(LoginSession).values(refreshed_at=datetime.now(UTC) - timedelta(minutes=61)))

    assert (await identity.client.post("/token")).status_code == 401
    [ended] = await identity.audit("session.ended")
    assert ended.detail["reason"] == "idle"


async def test_without_a_cookie_there_is_no_session(identity):
    refused = await identity.client.post("/token")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
