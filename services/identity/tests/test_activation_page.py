"""The parent follows the mailed link: the page shows the form and consumes nothing; the school (picked by
its name) and the child's birth date must be right, wrong answers are capped per link and then lock
it (and the school is told); right answers and a password activate the account, use the link up and
log the parent in once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select as select_models

from loket.contracts.tokens import Role
from loket.identity.persistence.models import ActivationToken, ParentAccount

SERVICE = "identity"
PASSWORD = "zomer-2026-fiets"  # what `identity.activate` chooses
JSON = {"Accept": "application/json"}


@pytest.fixture
async def link(identity):  # type: ignore[no-untyped-def]
    return await identity.ask_parent_login("10001")


async def account(identity) -> ParentAccount:  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        return (await session.exec(select_models(ParentAccount))).one()


async def token(identity) -> ActivationToken:  # type: ignore[no-untyped-def]
    async with identity.runtime.database.transaction() as session:
        return (await session.exec(select_models(ActivationToken))).one()


async def test_opening_the_link_shows_the_form_and_consumes_nothing(identity, link):
    for _ in range(3):  # a mail scanner, the parent, the parent again
        page = await identity.client.get(link)
        assert page.status_code == 200
        assert "10001" in page.text and 'method="post"' in page.text
    assert '<option value="12AB01">De Regenboog (12AB01)</option>' in page.text  # the school by its name
    assert 'type="date"' in page.text and "geboortedatum" in page.text.lower()
    assert "date of birth" in page.text  # Dutch and English
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert (await account(identity)).state == "pending"


async def test_the_form_lists_every_school_parents_can_pick(identity, link):
    await identity.ask_parent_login("20001", school_brin="34CD01", school_name="Het Kompas")
    listed = (await identity.client.get(link, headers=JSON)).json()
    assert listed["schools"] == [
        {"brin": "12AB01", "name": "De Regenboog"},
        {"brin": "34CD01", "name": "Het Kompas"},
    ]
    assert (listed["username"], listed["attempts_left"]) == ("10001", 5)


async def test_right_answers_and_a_password_activate_the_account_and_log_the_parent_in(identity, link):
    done = await identity.activate(link)

    assert done.status_code == 200 and "geactiveerd" in done.text and "ingelogd" in done.text
    assert "loket_refresh" in done.cookies  # the session, as POST /login starts it
    activated = await account(identity)
    assert activated.state == "activated" and activated.activated_at is not None
    assert activated.password_hash.startswith("$argon2id$") and PASSWORD not in activated.password_hash
    assert activated.birth_date is None  # needed only to check the answer
    fresh = await identity.client.post("/token")
    assert fresh.status_code == 200, fresh.text
    claims = await identity.app.state.token_issuer.verifier().verify(fresh.json()["access_token"])
    assert (claims.role, claims.scope.pupil, claims.sub) == (Role.PARENT, activated.pupil_id, str(activated.id))
    assert claims.sid is not None
    assert [state for _, _, state, _ in await identity.dots()] == ["activated"]
    assert [e.action for e in await identity.audit() if e.outcome == "succeeded"][-2:] == ["activation", "login"]

    again = await identity.activate(link)
    assert again.status_code == 410 and "al gebruikt" in again.text
    assert (await identity.client.get(link)).status_code == 410


async def test_a_client_that_asks_for_json_gets_the_access_token_as_post_login_gives_it(identity, link):
    done = await identity.activate(link, headers=JSON)
    assert done.status_code == 200, done.text
    body = done.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_at",
        "subject",
        "role",
        "impersonated_by",
        "recovery_codes",
    }
    assert body["recovery_codes"] is None  # only a login that enrols TOTP has them
    claims = await identity.app.state.token_issuer.verifier().verify(body["access_token"])
    assert claims.role is Role.PARENT and claims.scope.pupil == (await account(identity)).pupil_id
    assert "loket_refresh" in done.cookies and done.headers["cache-control"] == "no-store"


async def test_a_wrong_birth_date_is_counted_and_the_link_keeps_working(identity, link):
    wrong = await identity.activate(link, birth_date="2014-03-10")

    assert wrong.status_code == 422
    assert "klopt niet" in wrong.text and "nog 4 keer" in wrong.text and "4 more times" in wrong.text
    assert 'value="2014-03-10"' in wrong.text and "selected" in wrong.text  # the answers stay in the form
    assert ((await account(identity)).state, (await token(identity)).wrong_answers) == ("pending", 1)
    [failed] = [e for e in await identity.audit("activation") if e.outcome == "failed"]
    assert failed.detail == {"reason": "wrong_answers", "attempts_left": 4}
    assert (await identity.activate(link)).status_code == 200


async def test_a_wrong_school_counts_the_same_and_says_not_which_one_was_wrong(identity, link):
    wrong_school = await identity.activate(link, school="34CD01")
    wrong_date = await identity.activate(link, birth_date="2013-03-09")
    assert wrong_school.status_code == wrong_date.status_code == 422
    assert wrong_school.text.split("klopt niet")[0] == wrong_date.text.split("klopt niet")[0]
    assert (await token(identity)).wrong_answers == 2


@pytest.mark.parametrize(("school", "birth_date"), [("12ab01", "09-03-2014"), (" 12AB01 ", "9/3/2014")])
async def test_the_answers_may_be_written_as_people_write_them(identity, link, school, birth_date):
    assert (await identity.activate(link, school=school, birth_date=birth_date)).status_code == 200


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({"birth_date": "maart 2014"}, "dag-maand-jaar"),
        ({"birth_date": "31-02-2014"}, "dag-maand-jaar"),
        ({"school": ""}, "Kies de school"),
    ],
)
async def test_an_answer_that_cannot_be_read_is_asked_again_and_not_counted(identity, link, answers, says):
    page = await identity.activate(link, **answers)
    assert page.status_code == 422 and says in page.text
    assert (await token(identity)).wrong_answers == 0


async def test_after_too_many_wrong_answers_the_link_is_locked_and_the_school_is_told(identity, link):
    for left in (4, 3, 2, 1):
        answer = await identity.activate(link, birth_date="2010-01-01")
        assert answer.status_code == 422 and f"nog {left} keer" in answer.text

    locked = await identity.activate(link, birth_date="2010-01-01")

    assert locked.status_code == 410 and "geblokkeerd" in locked.text and "basisschool" in locked.text
    assert (await identity.activate(link)).status_code == 410  # right answers no longer help
    assert (await identity.client.get(link)).status_code == 410
    assert (await token(identity)).locked_at is not None and (await account(identity)).state == "pending"
    assert [state for _, _, state, _ in await identity.dots()] == ["locked"]
    [entry] = await identity.audit("activation.locked")
    assert entry.subject_id == str((await account(identity)).id)

    fresh = await identity.ask_parent_login(
        "10001", pupil_id=(await account(identity)).pupil_id
    )  # the school asks again
    assert [state for _, _, state, _ in await identity.dots()] == ["locked", "not_sent"]
    page = await identity.client.get(fresh, headers=JSON)
    assert page.json()["attempts_left"] == 5
    assert (await identity.activate(fresh)).status_code == 200
    assert (await identity.client.get(link)).status_code == 410


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_ACTIVATION_ATTEMPTS": 2}])
async def test_the_region_sets_how_many_wrong_answers_a_link_allows(identity, link):
    assert (await identity.activate(link, birth_date="2010-01-01")).status_code == 422
    assert (await identity.activate(link, birth_date="2010-01-01")).status_code == 410


@pytest.mark.parametrize(
    ("password", "repeat", "says"),
    [
        ("zomer-2026-fiets", "winter-2026-fiets", "niet gelijk"),
        ("kort", "kort", "minstens 10"),
        ("aaaaaaaaaa", "aaaaaaaaaa", "steeds hetzelfde teken"),  # accepted before: ten characters
        ("10001-10001", "10001-10001", "uw gebruikersnaam of e-mailadres"),  # the ELK number twice
        ("ouder@example.org", "ouder@example.org", "uw gebruikersnaam of e-mailadres"),  # the parent's address
        ("Wachtwoord123", "Wachtwoord123", "veelgebruikte en uitgelekte wachtwoorden"),
    ],
)
async def test_a_refused_password_says_why_and_changes_nothing(identity, link, password, repeat, says):
    form = {"school": "12AB01", "birth_date": "2014-03-09", "password": password, "password_repeat": repeat}
    page = await identity.client.post(link, data=form)
    assert page.status_code == 422 and says in page.text
    assert (await account(identity)).state == "pending" and (await token(identity)).wrong_answers == 0
    assert (await identity.activate(link)).status_code == 200  # the link still works


async def test_an_expired_link_is_refused_and_says_to_ask_the_school(identity, link):
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(ActivationToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    page = await identity.activate(link)
    assert page.status_code == 410 and "verlopen" in page.text and "basisschool" in page.text
    assert (await account(identity)).state == "pending"


async def test_a_link_without_answers_to_check_is_refused_as_expired(identity, link):
    """A link mailed before the questions existed (the account has no school or birth date)."""
    async with identity.runtime.database.transaction() as session:
        await session.execute(update(ParentAccount).values(school_brin=None, birth_date=None))
    assert (await identity.client.get(link)).status_code == 410
    assert (await identity.activate(link)).status_code == 410


async def test_an_unknown_link_is_refused(identity, link):
    assert (await identity.client.get("/activate/not-a-token")).status_code == 404
    assert (await identity.activate("/activate/not-a-token")).status_code == 404


@pytest.mark.parametrize("identity_overrides", [{"LOKET_IDENTITY_THROTTLE_ADDRESS_ATTEMPTS": 3}])
async def test_wrong_answers_on_many_links_from_one_address_are_throttled(identity, link, clock):
    others = [await identity.ask_parent_login(f"3000{n}") for n in range(3)]
    async with identity.other_client("203.0.113.9") as attacker:
        for other in others:
            assert (await identity.activate(other, client=attacker, birth_date="2010-01-01")).status_code == 422
        throttled = await identity.activate(link, client=attacker)
        assert throttled.status_code == 429 and "retry-after" in throttled.headers
    assert (await identity.activate(link)).status_code == 200  # the parent, from elsewhere
