"""Recovery codes: a staff member who lost the phone logs in with one of them in place of a TOTP code.
Ten are made when TOTP is enrolled (and on asking for a new set, which voids the old), shown once,
kept only as hashes, and each works once."""

from sqlmodel import select

from loket.contracts.tokens import Role
from loket.identity.persistence.models import RecoveryCode

from .conftest import PASSWORD, bearer

SERVICE = "identity"


async def enrolled_at_login(identity, email: str = "beheer@school.example"):  # type: ignore[no-untyped-def]
    """A school administrator enrols TOTP in the first login; returns (account, secret, recovery codes)."""
    admin = await identity.add_staff(email, Role.SCHOOL_ADMIN, school="12AB01")
    secret = (await identity.log_in(admin)).json()["totp_secret"]
    enrolled = await identity.log_in(admin, code=identity.phone.code(secret))
    assert enrolled.status_code == 200, enrolled.text
    return admin, secret, enrolled.json()["recovery_codes"]


async def with_recovery_code(identity, account, code: str):  # type: ignore[no-untyped-def]
    body = {"username": account.email, "password": PASSWORD, "recovery_code": code}
    return await identity.client.post("/login", json=body)


async def stored_codes(identity, account_id) -> list[RecoveryCode]:  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        return list((await session.exec(select(RecoveryCode).where(RecoveryCode.account_id == account_id))).all())


async def test_enrolling_at_the_login_shows_ten_codes_once_and_keeps_only_hashes(identity):
    admin, secret, codes = await enrolled_at_login(identity)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    stored = await stored_codes(identity, admin.id)
    assert len(stored) == 10
    assert all(row.digest.startswith("$argon2id$") for row in stored)
    assert not {row.digest for row in stored} & set(codes)
    # the next login says nothing about them
    again = await identity.log_in(admin, code=identity.phone.code(secret))
    assert again.status_code == 200 and again.json()["recovery_codes"] is None
    issued = await identity.audit("second_factor.recovery_codes_issued")
    assert [(entry.detail["count"], entry.detail["during"]) for entry in issued] == [(10, "login")]
    assert not any(code in str(entry.detail) for entry in await identity.audit() for code in codes)


async def test_a_recovery_code_works_once_in_place_of_the_code(identity):
    admin, _, codes = await enrolled_at_login(identity)

    first = await with_recovery_code(identity, admin, codes[3].lower().replace("-", " "))  # as typed
    assert first.status_code == 200, first.text
    assert first.json()["access_token"]

    again = await with_recovery_code(identity, admin, codes[3])
    assert again.status_code == 401
    assert again.json()["code"] == "recovery_code_used" and again.json()["field"] == "recovery_code"
    assert "access_token" not in again.json()

    made_up = await with_recovery_code(identity, admin, "AAAA-BBBB-CCCC")
    assert made_up.status_code == 401 and made_up.json()["code"] == "recovery_code_wrong"
    nonsense = await with_recovery_code(identity, admin, "0")
    assert nonsense.status_code == 401 and nonsense.json()["code"] == "recovery_code_wrong"

    headers = bearer(first.json()["access_token"])
    state = await identity.client.get("/second-factor", headers=headers)
    assert state.json() == {"enrolled": True, "recovery_codes_left": 9}
    used = await identity.audit("second_factor.recovery_code_used")
    assert [(entry.subject_id, entry.detail["left"]) for entry in used] == [(str(admin.id), 9)]
    reasons = [entry.detail.get("reason") for entry in await identity.audit("login")]
    assert reasons.count("used_recovery_code") == 1 and reasons.count("wrong_recovery_code") == 2


async def test_a_wrong_password_with_a_good_recovery_code_uses_nothing_up(identity):
    admin, _, codes = await enrolled_at_login(identity)
    body = {"username": admin.email, "password": "not-the-password", "recovery_code": codes[0]}
    assert (await identity.client.post("/login", json=body)).json()["code"] == "wrong_credentials"
    assert (await with_recovery_code(identity, admin, codes[0])).status_code == 200


async def test_wrong_recovery_codes_count_towards_the_throttle(identity, clock):
    admin, _, codes = await enrolled_at_login(identity)
    for _ in range(5):
        assert (await with_recovery_code(identity, admin, "AAAA-BBBB-CCCC")).status_code == 401
    assert (await with_recovery_code(identity, admin, codes[0])).status_code == 429


async def test_a_new_set_voids_the_old_one(identity):
    admin, secret, old = await enrolled_at_login(identity)
    headers = bearer(await identity.token(admin, code=identity.phone.code(secret)))

    made = await identity.client.post("/second-factor/recovery-codes", headers=headers)
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    new = made.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert (await identity.client.get("/second-factor", headers=headers)).json()["recovery_codes_left"] == 10

    assert (await with_recovery_code(identity, admin, old[0])).json()["code"] == "recovery_code_wrong"
    assert (await with_recovery_code(identity, admin, new[0])).status_code == 200
    assert len(await stored_codes(identity, admin.id)) == 10
    issued = await identity.audit("second_factor.recovery_codes_issued")
    assert [entry.detail["during"] for entry in issued] == ["login", "self_service"]


async def test_without_a_second_factor_there_are_no_codes(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    headers = bearer(await identity.token(teacher))
    assert (await identity.client.get("/second-factor", headers=headers)).json() == {
        "enrolled": False,
        "recovery_codes_left": 0,
    }
    assert (await identity.client.post("/second-factor/recovery-codes", headers=headers)).status_code == 409
    # a recovery code is no way round a required code that was never enrolled
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01")
    answer = await with_recovery_code(identity, admin, "AAAA-BBBB-CCCC")
    assert answer.status_code == 401 and answer.json()["second_factor"] == "enrolment_required"


async def test_enrolling_after_logging_in_gives_the_codes_too(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    headers = bearer(await identity.token(teacher))
    secret = (await identity.client.post("/second-factor/totp", headers=headers)).json()["totp_secret"]

    confirmed = await identity.client.post(
        "/second-factor/totp/confirm", json={"code": identity.phone.code(secret)}, headers=headers
    )
    assert confirmed.status_code == 200 and confirmed.headers["cache-control"] == "no-store"
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    assert (await with_recovery_code(identity, teacher, codes[9])).status_code == 200


async def test_a_parent_has_no_recovery_codes(identity):
    link = await identity.ask_parent_login()
    await identity.activate(link)
    parent_token = await identity.token("10001")
    for method, path in (("GET", "/second-factor"), ("POST", "/second-factor/recovery-codes")):
        assert (await identity.client.request(method, path, headers=bearer(parent_token))).status_code == 403
