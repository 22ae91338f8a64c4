"""Throttling that slows guessing down but cannot lock a parent out (NIST SP 800-63B, 5.2.2).

Failures are counted per account and per client address. An address that keeps failing waits longer
and longer (429 with a growing `Retry-After`), never locked; the right password from an address that
has not been failing goes through, however often someone else guessed the (guessable) ELK number."""

from datetime import UTC, datetime, timedelta

import pytest

from loket.contracts.tokens import Role
from loket.identity.domain.throttling import Failures, Slowdown, Throttle

SERVICE = "identity"
PASSWORD = "zomer-2026-fiets"  # what the conftest gives every account
WRONG = "niet-het-wachtwoord"
ATTACKER, PARENT = "192.0.2.66", "198.51.100.7"


@pytest.fixture
async def parent(identity):  # type: ignore[no-untyped-def]
    """An activated parent account: username 10001, the ELK number anyone can count towards."""
    assert (await identity.activate(await identity.ask_parent_login("10001"), PASSWORD)).status_code == 200
    return "10001"


def retry_after(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "throttled"
    assert response.json()["retry_after"] == int(response.headers["retry-after"])
    return int(response.headers["retry-after"])


async def test_the_right_password_from_a_fresh_address_goes_through_while_another_address_guesses(
    identity, parent, clock
):
    async with identity.other_client(ATTACKER) as attacker:
        for _ in range(5):
            assert (await identity.log_in(parent, WRONG, client=attacker)).status_code == 401
        retry_after(await identity.log_in(parent, WRONG, client=attacker))  # the guesser waits
        for _ in range(4):  # and guesses on, each time it may: the account has 9 failures
            clock.advance(retry_after(await identity.log_in(parent, WRONG, client=attacker)))
            assert (await identity.log_in(parent, WRONG, client=attacker)).status_code == 401

        async with identity.other_client(PARENT) as phone:
            assert (await identity.log_in(parent, PASSWORD, client=phone)).status_code == 200

        assert retry_after(await identity.log_in(parent, PASSWORD, client=attacker)) > 0  # not checked at all
    outcomes = [(entry.outcome, entry.client_address) for entry in await identity.audit("login")]
    assert outcomes.count(("failed", ATTACKER)) == 9
    assert ("succeeded", PARENT) in outcomes


async def test_a_failing_address_waits_longer_after_every_failure_and_is_never_locked(identity, parent, clock):
    async with identity.other_client(ATTACKER) as attacker:
        for _ in range(5):
            assert (await identity.log_in(parent, WRONG, client=attacker)).status_code == 401
        waits = []
        for _ in range(5):
            wait = retry_after(await identity.log_in(parent, WRONG, client=attacker))
            waits.append(wait)
            clock.advance(wait - 0.5)
            assert retry_after(await identity.log_in(parent, WRONG, client=attacker)) == 1  # not a moment early
            clock.advance(0.5)
            assert (await identity.log_in(parent, WRONG, client=attacker)).status_code == 401

        assert waits == [1, 2, 4, 8, 16]
        for _ in range(20):  # the wait grows up to its longest, and no further
            clock.advance(retry_after(await identity.log_in(parent, WRONG, client=attacker)))
            assert (await identity.log_in(parent, WRONG, client=attacker)).status_code == 401
        assert retry_after(await identity.log_in(parent, WRONG, client=attacker)) == 15 * 60

        clock.advance(15 * 60)
        assert (await identity.log_in(parent, PASSWORD, client=attacker)).status_code == 200  # slowed, not locked


async def test_the_parents_own_mistakes_are_forgotten_when_the_password_is_right(identity, parent, clock):
    async with identity.other_client(PARENT) as phone:
        for _ in range(6):
            await identity.log_in(parent, WRONG, client=phone)
        clock.advance(retry_after(await identity.log_in(parent, PASSWORD, client=phone)))
        assert (await identity.log_in(parent, PASSWORD, client=phone)).status_code == 200
        for _ in range(5):  # a clean slate: five mistakes free again, then the first wait
            assert (await identity.log_in(parent, WRONG, client=phone)).status_code == 401
        assert retry_after(await identity.log_in(parent, PASSWORD, client=phone)) == 1


async def test_an_address_that_failed_for_the_account_waits_for_all_its_failures(identity, parent, clock):
    """Many addresses guessing one account slow each other down: after its first guess, each waits for
    the account's failures from everywhere."""
    for n in range(6):
        async with identity.other_client(f"203.0.113.{n}") as bot:
            assert (await identity.log_in(parent, WRONG, client=bot)).status_code == 401  # one guess each
    async with identity.other_client("203.0.113.0") as first_bot:
        assert retry_after(await identity.log_in(parent, WRONG, client=first_bot)) == 2  # 6 failures: 1 s doubled
    async with identity.other_client("203.0.113.5") as last_bot:
        assert retry_after(await identity.log_in(parent, WRONG, client=last_bot)) == 2


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 3}])
async def test_one_address_trying_many_accounts_waits_too(identity, clock):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    async with identity.other_client(ATTACKER) as attacker:
        for n in range(3):
            assert (await identity.log_in(f"gok{n}@school.example", WRONG, client=attacker)).status_code == 401
        assert retry_after(await identity.log_in(teacher, client=attacker)) == 1
        clock.advance(1)
        assert (await identity.log_in("gok3@school.example", WRONG, client=attacker)).status_code == 401
        assert retry_after(await identity.log_in(teacher, client=attacker)) == 2
    async with identity.other_client(PARENT) as elsewhere:
        assert (await identity.log_in(teacher, client=elsewhere)).status_code == 200


async def test_someone_else_asking_for_reset_mails_does_not_stop_the_parent_asking(identity, parent, clock):
    async with identity.other_client(ATTACKER) as attacker:
        for _ in range(5):
            await attacker.post("/password-reset", json={"username": parent})
        retry_after(await attacker.post("/password-reset", json={"username": parent}))
    async with identity.other_client(PARENT) as phone:
        assert (await phone.post("/password-reset", json={"username": parent})).status_code == 202


def test_the_delay_doubles_from_the_first_failure_past_the_free_ones_up_to_the_longest():
    slowdown = Slowdown(free=5, first_delay=timedelta(seconds=1), max_delay=timedelta(minutes=15))
    assert [slowdown.delay(n).total_seconds() for n in (0, 4, 5, 6, 7, 14, 15, 10_000)] == [
        0,
        0,
        1,
        2,
        4,
        512,
        900,
        900,
    ]


def test_only_an_address_that_failed_for_the_account_waits_for_the_accounts_failures():
    now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    slowdown = Slowdown(free=5, first_delay=timedelta(seconds=1), max_delay=timedelta(minutes=15))
    throttle = Throttle(timedelta(days=1), timedelta(minutes=15), per_account=slowdown, per_address=slowdown)
    guessed = Failures(30, now)
    clean = Failures(0, None)
    assert throttle.retry_after(account=guessed, failed_here_at=None, address=clean, now=now) is None
    assert throttle.retry_after(account=guessed, failed_here_at=now, address=clean, now=now) == 900
    earlier = now - timedelta(minutes=10)
    assert throttle.retry_after(account=guessed, failed_here_at=earlier, address=clean, now=now) == 300
