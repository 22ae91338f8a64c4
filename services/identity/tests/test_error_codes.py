"""Every refusal a person can cause at login, tokens, a reset request and the activation, invitation and
reset links carries a stable `code` (and the form `field` it concerns) beside the bilingual `detail`,
so that a portal can say it in the person's own language, next to the right field."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from loket.contracts.tokens import Role
from loket.identity.domain.problems import ErrorCode
from loket.identity.persistence.models import ActivationToken, Invitation, PasswordReset

from .conftest import opened_link

SERVICE = "identity"
JSON = {"Accept": "application/json"}
PASSWORD = "zomer-2026-fiets"
NEW = {"password": "herfst-2026-regen", "password_repeat": "herfst-2026-regen"}


def problem(response, status: int, code: str, field: str | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The response is the refusal `code` (about `field`), with a bilingual detail; its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and code in set(ErrorCode)
    assert body.get("field") == field
    assert " / " in body["detail"]  # Dutch / English, as before
    return body  # type: ignore[no-any-return]


def wrong_code(secret: str) -> str:
    import pyotp

    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(UTC))
    valid = {totp.generate_otp(s) for s in range(step - 1, step + 3)}
    return next(code for code in (f"{n:06d}" for n in range(0, 10**6, 111111)) if code not in valid)


# login, sessions, reset requests


async def test_login_refusals_carry_their_codes(identity):
    teacher = await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    problem(await identity.log_in(teacher, "fout-wachtwoord"), 401, "wrong_credentials")
    problem(await identity.log_in("niemand@school.example", "fout-wachtwoord"), 401, "wrong_credentials")
    former = await identity.add_staff("oud@school.example", Role.SCHOOL_USER, school="12AB01", state="deactivated")
    problem(await identity.log_in(former), 403, "account_deactivated")


async def test_second_factor_answers_name_the_code_field(identity):
    admin = await identity.add_staff("beheer@school.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True)
    asked = problem(await identity.log_in(admin, code=None), 401, "second_factor_required", "totp_code")
    assert asked["second_factor"] == "required"
    mistyped = await identity.log_in(admin, code=wrong_code(admin.totp_secret))
    assert problem(mistyped, 401, "second_factor_wrong", "totp_code")["second_factor"] == "required"

    new = await identity.add_staff("nieuw@school.example", Role.SCHOOL_ADMIN, school="12AB01")
    enrol = problem(await identity.log_in(new), 401, "second_factor_enrolment", "totp_code")
    assert enrol["second_factor"] == "enrolment_required" and enrol["totp_secret"]
    again = problem(
        await identity.log_in(new, code=wrong_code(enrol["totp_secret"])), 401, "second_factor_wrong", "totp_code"
    )
    assert again["second_factor"] == "enrolment_required" and again["totp_secret"] == enrol["totp_secret"]


async def test_too_many_attempts_say_how_long_to_wait_in_the_body_too(identity, clock):
    for _ in range(5):
        await identity.log_in("niemand@school.example", "fout-wachtwoord")
    throttled = problem(await identity.log_in("niemand@school.example", "fout-wachtwoord"), 429, "throttled")
    response = await identity.log_in("niemand@school.example", "fout-wachtwoord")
    assert 0 < throttled["retry_after"] <= 15 * 60 and response.headers["retry-after"]

    for _ in range(5):
        assert (await identity.client.post("/password-reset", json={"username": "x@school.example"})).status_code == 202
    asked = await identity.client.post("/password-reset", json={"username": "x@school.example"})
    assert problem(asked, 429, "throttled")["retry_after"] == int(asked.headers["retry-after"])


async def test_no_session_says_log_in_again(identity):
    problem(await identity.client.post("/token"), 401, "session_over")
    problem(await identity.client.post("/token", headers={"Cookie": "loket_refresh=made-up"}), 401, "session_over")


async def test_fastapis_own_validation_keeps_its_shape(identity):
    missing = await identity.client.post("/login", json={"username": "juf@school.example"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "password"] and "code" not in missing.json()


# the activation link, as a portal asks for it


@pytest.fixture
async def activation(identity):  # type: ignore[no-untyped-def]
    return await identity.ask_parent_login("10001")


async def test_the_activation_form_as_json(identity, activation):
    form = await identity.client.get(activation, headers=JSON)
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    assert form.json() == {
        "username": "10001",
        "schools": [{"brin": "12AB01", "name": "De Regenboog"}],
        "attempts_left": 5,
    }


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({"school": ""}, "school_missing", "school"),
        ({"birth_date": "gisteren"}, "birth_date_invalid", "birth_date"),
        ({"password": "kort-kort"}, "password_too_short", "password"),
        ({"password": "1111111111"}, "password_repetitive", "password"),
        ({"password": "10001 10001"}, "password_like_username", "password"),
        ({"password": "iloveyou123"}, "password_common", "password"),
    ],
)
async def test_an_answer_or_password_that_does_not_do_names_its_field(identity, activation, answers, code, field):
    answers = dict(answers)
    password = answers.pop("password", PASSWORD)
    refused = await identity.activate(activation, password, headers=JSON, **answers)
    body = problem(refused, 422, code, field)
    assert body["schools"] == [{"brin": "12AB01", "name": "De Regenboog"}] and body["attempts_left"] == 5
    assert body["username"] == "10001"
    assert body.get("min_length") == (10 if code == "password_too_short" else None)  # for the portal's sentence


async def test_passwords_that_differ_name_the_repeat_field(identity, activation):
    form = {"school": "12AB01", "birth_date": "2014-03-09", "password": PASSWORD, "password_repeat": PASSWORD + "!"}
    problem(await identity.client.post(activation, data=form, headers=JSON), 422, "passwords_differ", "password_repeat")


async def test_wrong_answers_carry_the_form_and_the_tries_left_but_no_field(identity, activation):
    wrong = problem(await identity.activate(activation, headers=JSON, birth_date="2010-01-01"), 422, "wrong_answers")
    assert wrong["attempts_left"] == 4 and wrong["schools"] == [{"brin": "12AB01", "name": "De Regenboog"}]
    assert "field" not in wrong  # the parent is not told which answer was wrong
    for _ in range(3):
        await identity.activate(activation, headers=JSON, school="99ZZ01")
    problem(await identity.activate(activation, headers=JSON, school="99ZZ01"), 410, "link_locked")
    problem(await identity.client.get(activation, headers=JSON), 410, "link_locked")
    problem(await identity.activate(activation, headers=JSON), 410, "link_locked")


async def test_used_expired_and_unknown_activation_links(identity, activation):
    problem(await identity.client.get("/activate/not-a-token", headers=JSON), 404, "link_unknown")
    problem(await identity.activate("/activate/not-a-token", headers=JSON), 404, "link_unknown")
    assert (await identity.activate(activation, headers=JSON)).status_code == 200
    problem(await identity.activate(activation, headers=JSON), 410, "link_used")
    problem(await identity.client.get(activation, headers=JSON), 410, "link_used")

    fresh = await identity.ask_parent_login("20001")
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(ActivationToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    problem(await identity.client.get(fresh, headers=JSON), 410, "link_expired")


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 2}])
async def test_a_throttled_activation_says_so_in_json(identity, activation, clock):
    for _ in range(2):
        await identity.activate("/activate/gok", headers=JSON)
    throttled = await identity.activate(activation, headers=JSON)
    assert problem(throttled, 429, "throttled")["retry_after"] == int(throttled.headers["retry-after"])
    assert throttled.headers["referrer-policy"] == "no-referrer"


# invitation and reset links, as a portal asks for them


@pytest.fixture
async def invitation(identity):  # type: ignore[no-untyped-def]
    from loket.identity.application.staff import NewStaff
    from loket.identity.domain.staff import Assignment

    new = NewStaff("juf@school.example", Assignment.of(Role.SCHOOL_USER, school="12AB01"))
    await identity.app.state.administration.invite(None, new, client_address=None)
    [event] = await identity.outbox("identity.invitation.issued.v2")
    return "/invitation/" + opened_link(event).rsplit("/", 1)[1]


async def test_an_invitation_as_json(identity, invitation):
    shown = await identity.client.get(invitation, headers=JSON)
    assert shown.status_code == 200 and shown.json() == {"username": "juf@school.example"}
    assert shown.headers["referrer-policy"] == "no-referrer" and shown.headers["cache-control"] == "no-store"

    short = {"password": "kort", "password_repeat": "kort"}
    refused = await identity.client.post(invitation, data=short, headers=JSON)
    body = problem(refused, 422, "password_too_short", "password")
    assert (body["username"], body["min_length"]) == ("juf@school.example", 10)
    differ = {"password": NEW["password"], "password_repeat": "iets-anders-2026"}
    differs = await identity.client.post(invitation, data=differ, headers=JSON)
    problem(differs, 422, "passwords_differ", "password_repeat")

    done = await identity.client.post(invitation, data=NEW, headers=JSON)
    assert done.status_code == 200 and done.json() == {"username": "juf@school.example", "password_set": True}
    assert "set-cookie" not in done.headers  # nobody is logged in: a second factor may be due
    assert (await identity.staff("juf@school.example")).state == "activated"
    problem(await identity.client.post(invitation, data=NEW, headers=JSON), 410, "link_used")
    problem(await identity.client.get("/invitation/gok", headers=JSON), 404, "link_unknown")
    assert "text/html" in (await identity.client.get(invitation)).headers["content-type"]  # a browser: the page


async def test_an_expired_invitation_as_json(identity, invitation):
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(Invitation).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    problem(await identity.client.get(invitation, headers=JSON), 410, "link_expired")


async def test_a_reset_as_json(identity):
    await identity.add_staff("juf@school.example", Role.SCHOOL_USER, school="12AB01")
    assert (await identity.client.post("/password-reset", json={"username": "juf@school.example"})).status_code == 202
    [issued] = await identity.outbox("identity.password_reset.issued.v2")
    link = "/reset/" + opened_link(issued).rsplit("/", 1)[1]

    assert (await identity.client.get(link, headers=JSON)).json() == {"username": "juf@school.example"}
    done = await identity.client.post(link, data=NEW, headers=JSON)
    assert done.status_code == 200 and done.json() == {"username": "juf@school.example", "password_set": True}
    problem(await identity.client.get(link, headers=JSON), 410, "link_used")
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(PasswordReset).values(used_at=None, expires_at=datetime.now(UTC)))
    problem(await identity.client.post(link, data=NEW, headers=JSON), 410, "link_expired")
