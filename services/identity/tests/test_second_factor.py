"""Administrators log in with a TOTP code as well; other staff may choose to. A region decides which
roles must (LOKET_IDENTITY_TOTP_REQUIRED_ROLES)."""

from datetime import UTC, datetime

import pyotp
import pytest

from loket.contracts.tokens import Role

SERVICE = "identity"


def wrong(secret: str) -> str:
    """A code that is not valid for `secret` now (nor one step before or after)."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(UTC))
    valid = {totp.generate_otp(s) for s in range(step - 1, step + 3)}
    return next(code for code in (f"{n:06d}" for n in range(0, 10**6, 111111)) if code not in valid)


async def test_an_administrator_enrols_a_second_factor_at_the_first_login(identity):
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01")

    first = await identity.log_in(admin)
    assert first.status_code == 401 and first.json()["second_factor"] == "enrolment_required"
    secret = first.json()["totp_secret"]
    assert first.json()["otpauth_uri"].startswith("otpauth://totp/Loket%20demo:beheer%40school.example?secret=")
    assert "access_token" not in first.json() and "set-cookie" not in first.headers

    mistyped = await identity.log_in(admin, code=wrong(secret))
    assert mistyped.status_code == 401 and mistyped.json()["totp_secret"] == secret  # the same secret, again

    enrolled = await identity.log_in(admin, code=identity.phone.code(secret))
    assert enrolled.status_code == 200, enrolled.text
    assert (await identity.staff("beheer@school.example")).totp_confirmed_at is not None
    assert [entry.detail["during"] for entry in await identity.audit("second_factor.enrolled")] == ["login"]


async def test_once_enrolled_every_login_needs_a_fresh_code(identity):
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True)

    without = await identity.log_in(admin, code=None)
    assert without.status_code == 401 and without.json()["second_factor"] == "required"
    assert "totp_secret" not in without.json()

    code = identity.phone.code(admin.totp_secret)
    assert (await identity.log_in(admin, code=code)).status_code == 200
    replayed = await identity.log_in(admin, code=code)
    assert replayed.status_code == 401 and "klopt niet" in replayed.json()["detail"]
    assert (await identity.log_in(admin, code=wrong(admin.totp_secret))).status_code == 401
    assert (await identity.log_in(admin)).status_code == 200  # the next code
    reasons = [entry.detail.get("reason") for entry in await identity.audit("login")]
    assert reasons.count("wrong_second_factor") == 2


async def test_a_wrong_code_counts_towards_the_throttle(identity, clock):
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True)
    for _ in range(5):
        assert (await identity.log_in(admin, code=wrong(admin.totp_secret))).status_code == 401
    assert (await identity.log_in(admin)).status_code == 429


async def test_a_school_user_logs_in_without_a_code_until_choosing_one(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    token = await identity.token(teacher)
    headers = {"Authorization": f"Bearer {token}"}

    started = await identity.client.post("/second-factor/totp", headers=headers)
    assert started.status_code == 200 and started.headers["cache-control"] == "no-store"
    secret = started.json()["totp_secret"]
    mistyped = await identity.client.post("/second-factor/totp/confirm", json={"code": wrong(secret)}, headers=headers)
    assert mistyped.status_code == 422
    assert (await identity.staff("juf@school.example")).totp_confirmed_at is None
    confirmed = await identity.client.post(
        "/second-factor/totp/confirm", json={"code": identity.phone.code(secret)}, headers=headers
    )
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    assert (await identity.staff("juf@school.example")).totp_confirmed_at is not None

    assert (await identity.log_in(teacher, code=None)).json()["second_factor"] == "required"
    assert (await identity.log_in(teacher, code=identity.phone.code(secret))).status_code == 200
    assert (await identity.client.post("/second-factor/totp", headers=headers)).status_code == 409


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_TOTP_REQUIRED_ROLES": "region_admin"}])
async def test_a_region_decides_which_roles_must_use_a_second_factor(identity):
    school_admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01")
    region_admin = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN)

    assert (await identity.log_in(school_admin)).status_code == 200
    assert (await identity.log_in(region_admin)).json()["second_factor"] == "enrolment_required"
