"""Staff log in with their e-mail address, parents with their child's ELK number, at one endpoint.
Wrong answers tell nothing about which part was wrong, and too many of them are throttled."""

import statistics
import time

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import update

from loket.contracts.tokens import Role
from loket.identity.persistence.models import StaffAccount

SERVICE = "identity"
PASSWORD = "zomer-2026-fiets"  # what `identity.add_staff` gives everyone
WRONG = "niet-het-wachtwoord"


async def test_a_teacher_logs_in_with_the_e_mail_address_and_gets_a_token_and_a_session_cookie(identity):
    teacher = await identity.add_staff("juf.jansen@school.example", Role.SCHOOL_USER, school="12AB01", groups=["8a"])

    response = await identity.log_in(" Juf.Jansen@School.example ")

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    claims = await identity.app.state.token_issuer.verifier().verify(response.json()["access_token"])
    assert (claims.sub, claims.role, claims.scope.schools, claims.scope.groups) == (
        str(teacher.id),
        Role.SCHOOL_USER,
        ("12AB01",),
        ("8a",),
    )
    assert claims.sid is not None and claims.act is None
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("loket_refresh=")
    assert {"HttpOnly", "Secure", "SameSite=strict", "Path=/"} <= {part.strip() for part in cookie.split(";")}
    [entry] = await identity.audit("login")
    assert (entry.outcome, entry.subject_id, entry.client_address) == ("succeeded", str(teacher.id), "127.0.0.1")


async def test_an_unknown_account_and_a_wrong_password_get_the_same_answer_in_similar_time(identity):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")

    async def timed(username: str):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await identity.log_in(username, WRONG)
        return response, time.perf_counter() - started

    wrong = [await timed("juf@school.example") for _ in range(3)]
    unknown = [await timed("niemand@school.example") for _ in range(3)]
    unknown_parent = [await timed("99999")]

    answers = {(r.status_code, r.text, tuple(sorted(r.headers.keys()))) for r, _ in wrong + unknown + unknown_parent}
    assert len(answers) == 1 and next(iter(answers))[0] == 401
    ratio = statistics.median(t for _, t in unknown) / statistics.median(t for _, t in wrong)
    assert 0.5 < ratio < 2, f"an unknown account answers {ratio:.2f}× as fast as a wrong password"
    reasons = [entry.detail["reason"] for entry in await identity.audit("login")]
    assert reasons.count("wrong_password") == 3 and reasons.count("unknown_account") == 4


async def test_a_password_hashed_with_older_parameters_is_rehashed_at_login(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),)).hash(PASSWORD)
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(StaffAccount).values(password_hash=weak))

    assert (await identity.log_in(teacher)).status_code == 200

    rehashed = (await identity.staff("juf@school.example")).password_hash
    assert rehashed != weak and rehashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert (await identity.log_in(teacher)).status_code == 200


async def test_after_five_failures_the_same_address_waits_even_with_the_right_password(identity, clock):
    """Waits, and is not locked: test_fair_login.py has how long, and that another address does not."""
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    for _ in range(5):
        assert (await identity.log_in(teacher, WRONG)).status_code == 401

    throttled = await identity.log_in(teacher)

    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"  # the first wait; it doubles with every failure
    assert "Te veel pogingen" in throttled.json()["detail"]
    assert [entry.outcome for entry in await identity.audit("login")][-1] == "throttled"
    colleague = await identity.add_staff("meester@school.example", Role.SCHOOL_USER, school="12AB01")
    assert (await identity.log_in(colleague)).status_code == 200  # the address is not throttled yet
    clock.advance(1)
    assert (await identity.log_in(teacher)).status_code == 200


async def test_an_unknown_account_is_throttled_like_a_known_one(identity, clock):
    for _ in range(5):
        assert (await identity.log_in("niemand@school.example", WRONG)).status_code == 401
    assert (await identity.log_in("niemand@school.example", WRONG)).status_code == 429


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 3}])
async def test_one_client_address_trying_many_accounts_is_throttled(identity, clock):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    async with identity.other_client("192.0.2.7") as attacker:
        for n in range(3):
            assert (await identity.log_in(f"gok{n}@school.example", WRONG, client=attacker)).status_code == 401
        assert (await identity.log_in(teacher, client=attacker)).status_code == 429
    async with identity.other_client("198.51.100.20") as school:
        assert (await identity.log_in(teacher, client=school)).status_code == 200


async def test_a_deactivated_account_cannot_log_in(identity):
    former = await identity.add_staff("oud@school.example", Role.SCHOOL_USER, school="12AB01", state="deactivated")
    refused = await identity.log_in(former)
    assert refused.status_code == 403 and "gedeactiveerd" in refused.json()["detail"]
    assert (await identity.log_in(former, WRONG)).status_code == 401  # without the password: like anyone
    assert "set-cookie" not in refused.headers


async def test_a_parent_logs_in_with_the_elk_number_once_the_account_is_activated(identity, parent_login_requested):
    requested = parent_login_requested("10001")
    await identity.deliver(requested)
    assert (await identity.log_in("10001", PASSWORD)).status_code == 401  # pending: no password yet
    assert (await identity.activate(await identity.activation_link("10001"), PASSWORD)).status_code == 200

    response = await identity.log_in("10001", PASSWORD)

    assert response.status_code == 200, response.text
    claims = await identity.app.state.token_issuer.verifier().verify(response.json()["access_token"])
    assert (claims.role, claims.scope.pupil, claims.scope.schools) == (Role.PARENT, requested.pupil_id, ())
    assert response.json()["role"] == "parent" and "loket_refresh" in response.cookies
    assert (await identity.log_in(" 10001 ", PASSWORD)).status_code == 200  # as typed, with spaces
    assert (await identity.log_in("10001", WRONG)).status_code == 401


async def test_a_parent_logs_out_and_in_again(identity):
    assert (await identity.activate(await identity.ask_parent_login("10001"), PASSWORD)).status_code == 200
    assert (await identity.client.post("/logout")).status_code == 204
    assert (await identity.client.post("/token")).status_code == 401  # the activation's session is over
    assert (await identity.log_in("10001", PASSWORD)).status_code == 200
    assert (await identity.client.post("/token")).status_code == 200
