"""Administrators invite, change and deactivate staff, each within its own reach: the region
administrator anyone, a board contact its board's schools, a school administrator its own school."""

import pytest

from loket.contracts.tokens import Role

from .conftest import opened_link

SERVICE = "identity"
INVITED = "identity.invitation.issued.v2"


@pytest.fixture
async def region(identity):  # type: ignore[no-untyped-def]
    """Board ZML with two schools; a third school under another board; an administrator at each level."""
    await identity.set_board_schools("ZML", "12AB01", "12AB02")
    await identity.set_board_schools("OVER", "34CD01")
    people = {
        "region_admin": await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True),
        "board_contact": await identity.add_staff("bestuur@zml.example", Role.BOARD_CONTACT, board="ZML", totp=True),
        "school_admin": await identity.add_staff(
            "beheer@12ab01.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True
        ),
        "school_user": await identity.add_staff("juf@12ab01.example", Role.SCHOOL_USER, school="12AB01"),
        "other_school_user": await identity.add_staff("meester@34cd01.example", Role.SCHOOL_USER, school="34CD01"),
    }
    return people


async def as_(identity, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {await identity.token(account)}"}


INVITATIONS = [
    # who invites, the new account's role and reach, the answer
    ("region_admin", {"role": "region_admin"}, 201),
    ("region_admin", {"role": "board_contact", "board": "OVER"}, 201),
    ("region_admin", {"role": "school_user", "school": "34CD01"}, 201),
    ("board_contact", {"role": "school_admin", "school": "12AB02"}, 201),
    ("board_contact", {"role": "school_user", "school": "12ab01", "groups": ["8a"]}, 201),
    ("board_contact", {"role": "school_user", "school": "34CD01"}, 403),
    ("board_contact", {"role": "board_contact", "board": "ZML"}, 403),
    ("board_contact", {"role": "region_admin"}, 403),
    ("school_admin", {"role": "school_user", "school": "12AB01", "groups": ["8a", "8b"]}, 201),
    ("school_admin", {"role": "school_admin", "school": "12AB01"}, 201),
    ("school_admin", {"role": "school_user", "school": "12AB02"}, 403),
    ("school_admin", {"role": "board_contact", "board": "ZML"}, 403),
    ("school_user", {"role": "school_user", "school": "12AB01"}, 403),
]


@pytest.mark.parametrize(("who", "assignment", "answer"), INVITATIONS)
async def test_who_may_invite_whom(identity, region, who, assignment, answer):
    invited = await identity.client.post(
        "/staff", json={"email": "nieuw@school.example", **assignment}, headers=await as_(identity, region[who])
    )

    assert invited.status_code == answer, invited.text
    events = await identity.outbox(INVITED)
    if answer != 201:
        assert events == []
        return
    assert invited.json()["state"] == "pending"
    [event] = events
    payload = event.body["payload"]
    assert (payload["recipient"], payload["username"], payload["role"]) == (
        "nieuw@school.example",
        "nieuw@school.example",
        assignment["role"],
    )
    assert opened_link(event).startswith("https://ouders.loket.example/invitation/")
    [entry] = await identity.audit("invitation.issued")
    assert (entry.actor_id, entry.subject_id) == (str(region[who].id), invited.json()["id"])


async def test_an_address_has_one_account(identity, region):
    taken = {"email": "JUF@12ab01.example", "role": "school_user", "school": "12AB01"}
    invited = await identity.client.post("/staff", json=taken, headers=await as_(identity, region["school_admin"]))
    assert invited.status_code == 409


@pytest.mark.parametrize(
    ("assignment", "field"),
    [
        ({"role": "school_user", "school": "12AB"}, "school"),  # no location (vestiging)
        ({"role": "school_user"}, "school"),
        ({"role": "board_contact"}, "board"),
        ({"role": "school_admin", "school": "12AB01", "groups": ["8a"]}, "groups"),
        ({"role": "parent"}, "role"),
    ],
)
async def test_a_role_without_its_reach_is_refused_naming_the_field(identity, region, assignment, field):
    invited = await identity.client.post(
        "/staff",
        json={"email": "nieuw@school.example", **assignment},
        headers=await as_(identity, region["region_admin"]),
    )
    assert invited.status_code == 422 and invited.json()["detail"][0]["loc"] == ["body", field]


async def test_each_administrator_sees_the_staff_within_its_reach(identity, region):
    async def seen(who: str) -> list[str]:
        listed = await identity.client.get("/staff", headers=await as_(identity, region[who]))
        assert listed.status_code == 200, listed.text
        return [account["email"] for account in listed.json()]

    assert len(await seen("region_admin")) == 5
    assert await seen("board_contact") == ["beheer@12ab01.example", "bestuur@zml.example", "juf@12ab01.example"]
    assert await seen("school_admin") == ["beheer@12ab01.example", "juf@12ab01.example"]
    refused = await identity.client.get("/staff", headers=await as_(identity, region["school_user"]))
    assert refused.status_code == 403


async def test_a_deactivated_account_loses_its_sessions_and_cannot_log_in(identity, region):
    teacher = region["school_user"]
    assert (await identity.log_in(teacher)).status_code == 200  # the teacher's session

    async with identity.other_client("198.51.100.1") as admins_browser:
        admin_headers = {
            "Authorization": f"Bearer {await identity.token(region['school_admin'], client=admins_browser)}"
        }
        deactivated = await admins_browser.post(f"/staff/{teacher.id}/deactivation", headers=admin_headers)

    assert deactivated.status_code == 200 and deactivated.json()["state"] == "deactivated"
    assert (await identity.client.post("/token")).status_code == 401
    assert (await identity.log_in(teacher)).status_code == 403
    [entry] = await identity.audit("account.deactivated")
    assert (entry.actor_id, entry.subject_id, entry.client_address, entry.detail["sessions_ended"]) == (
        str(region["school_admin"].id),
        str(teacher.id),
        "198.51.100.1",
        1,
    )


async def test_a_deactivation_can_be_undone_and_the_account_logs_in_again(identity, region):
    teacher, admin = region["school_user"], region["school_admin"]
    headers = await as_(identity, admin)
    assert (await identity.client.post(f"/staff/{teacher.id}/deactivation", headers=headers)).status_code == 200
    assert (await identity.log_in(teacher)).status_code == 403

    undone = await identity.client.delete(f"/staff/{teacher.id}/deactivation", headers=headers)

    assert undone.status_code == 200 and undone.json()["state"] == "activated"
    assert undone.json()["deactivated_at"] is None
    assert (await identity.log_in(teacher)).status_code == 200  # the same password as before
    again = await identity.client.delete(f"/staff/{teacher.id}/deactivation", headers=headers)
    assert again.status_code == 409
    [entry] = await identity.audit("account.reactivated")
    assert (entry.actor_id, entry.subject_id, entry.detail["state"]) == (str(admin.id), str(teacher.id), "activated")
    other = region["other_school_user"]
    outside = await identity.client.delete(f"/staff/{other.id}/deactivation", headers=headers)
    assert outside.status_code == 404


async def test_an_account_outside_the_reach_is_not_found(identity, region):
    headers = await as_(identity, region["school_admin"])
    other = region["other_school_user"]
    assert (await identity.client.post(f"/staff/{other.id}/deactivation", headers=headers)).status_code == 404
    own = region["school_admin"]
    assert (await identity.client.post(f"/staff/{own.id}/deactivation", headers=headers)).status_code == 403
    assert (await identity.staff("meester@34cd01.example")).state == "activated"


async def test_a_role_change_ends_the_sessions_and_is_written_down(identity, region):
    teacher = region["school_user"]
    assert (await identity.log_in(teacher)).status_code == 200
    async with identity.other_client("198.51.100.1") as admins_browser:
        headers = {"Authorization": f"Bearer {await identity.token(region['school_admin'], client=admins_browser)}"}
        changed = await admins_browser.put(
            f"/staff/{teacher.id}/role",
            json={"role": "school_user", "school": "12AB01", "groups": ["8b"]},
            headers=headers,
        )
        too_far = await admins_browser.put(
            f"/staff/{teacher.id}/role", json={"role": "school_user", "school": "34CD01"}, headers=headers
        )

    assert changed.status_code == 200 and changed.json()["groups"] == ["8b"]
    assert too_far.status_code == 403
    assert (await identity.client.post("/token")).status_code == 401
    [entry] = await identity.audit("role.changed")
    assert (entry.detail["before"]["groups"], entry.detail["after"]["groups"]) == ([], ["8b"])
    token = await identity.token(teacher)
    claims = await identity.app.state.token_issuer.verifier().verify(token)
    assert claims.scope.groups == ("8b",)


async def test_a_pending_account_can_be_invited_again_and_the_old_link_stops_working(identity, region):
    headers = await as_(identity, region["school_admin"])
    invited = await identity.client.post(
        "/staff", json={"email": "nieuw@school.example", "role": "school_user", "school": "12AB01"}, headers=headers
    )
    again = await identity.client.post(f"/staff/{invited.json()['id']}/invitation", headers=headers)

    assert again.status_code == 202
    first, second = [opened_link(event).split("/", 3)[3] for event in await identity.outbox(INVITED)]
    assert (await identity.client.get("/" + first)).status_code == 410
    assert (await identity.client.get("/" + second)).status_code == 200


async def test_a_board_contact_reaches_the_schools_the_region_gives_its_board(identity, region):
    admin = await as_(identity, region["region_admin"])
    moved = await identity.client.put("/boards/ZML/schools", json={"schools": ["12AB01", "56EF01"]}, headers=admin)
    assert moved.status_code == 200 and moved.json()["schools"] == ["12AB01", "56EF01"]

    claims = await identity.app.state.token_issuer.verifier().verify(await identity.token(region["board_contact"]))
    assert (claims.scope.board, claims.scope.schools) == ("ZML", ("12AB01", "56EF01"))
    contact = await as_(identity, region["board_contact"])
    assert (await identity.client.put("/boards/ZML/schools", json={"schools": []}, headers=contact)).status_code == 403
    assert (await identity.client.get("/boards/OVER/schools", headers=contact)).status_code == 404
    [entry] = await identity.audit("board.schools_changed")
    assert (entry.detail["before"], entry.detail["after"]) == (["12AB01", "12AB02"], ["12AB01", "56EF01"])


async def test_the_staff_list_comes_in_pages_sorted_as_asked(identity, region):
    headers = await as_(identity, region["region_admin"])

    everyone = await identity.client.get("/staff", headers=headers)
    assert everyone.headers["x-total-count"] == "5" and len(everyone.json()) == 5  # without `limit`: all, as before
    first = await identity.client.get("/staff", params={"limit": 2, "sort": "-email"}, headers=headers)
    assert first.headers["x-total-count"] == "5"
    assert [row["email"] for row in first.json()] == ["regio@loket.example", "meester@34cd01.example"]
    rest = await identity.client.get("/staff", params={"limit": 2, "offset": 4, "sort": "-email"}, headers=headers)
    assert [row["email"] for row in rest.json()] == ["beheer@12ab01.example"]
    by_role = await identity.client.get("/staff", params={"limit": 1, "sort": "role"}, headers=headers)
    assert by_role.json()[0]["role"] == "board_contact"
    unknown = await identity.client.get("/staff", params={"sort": "password_hash"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["type"] == "unknown_sort"

    as_school = await as_(identity, region["school_admin"])
    school = await identity.client.get("/staff", params={"limit": 1}, headers=as_school)
    assert school.headers["x-total-count"] == "2"  # its own school's only, counted too
