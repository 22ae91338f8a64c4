"""Meekijken: a board contact logs in as a user of one of the board's schools to help them. It shows in
every response and in the token, it is written to the audit log, and logging out ends it."""

import pytest

from loket.contracts.tokens import Role

SERVICE = "identity"
HEADER = "loket-impersonated-by"


@pytest.fixture
async def board(identity):  # type: ignore[no-untyped-def]
    await identity.set_board_schools("ZML", "12AB01")
    return {
        "contact": await identity.add_staff("bestuur@zml.example", Role.BOARD_CONTACT, board="ZML", totp=True),
        "teacher": await identity.add_staff("juf@12ab01.example", Role.SCHOOL_USER, school="12AB01", groups=["8a"]),
        "admin": await identity.add_staff("beheer@12ab01.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True),
        "elsewhere": await identity.add_staff("meester@34cd01.example", Role.SCHOOL_USER, school="34CD01"),
    }


async def test_a_board_contact_looks_along_as_a_teacher_until_logging_out(identity, board):
    contact, teacher = board["contact"], board["teacher"]
    contact_token = await identity.token(contact)

    started = await identity.client.post(
        "/impersonation", json={"account_id": str(teacher.id)}, headers={"Authorization": f"Bearer {contact_token}"}
    )

    assert started.status_code == 200, started.text
    assert started.headers[HEADER] == str(contact.id)
    assert started.json()["impersonated_by"] == {"sub": str(contact.id), "role": "board_contact"}
    token = started.json()["access_token"]
    claims = await identity.app.state.token_issuer.verifier().verify(token)
    assert (claims.sub, claims.role, claims.scope.groups) == (str(teacher.id), Role.SCHOOL_USER, ("8a",))
    assert claims.act is not None and claims.act.sub == str(contact.id)

    as_teacher = {"Authorization": f"Bearer {token}"}
    me = await identity.client.get("/me", headers=as_teacher)
    assert me.headers[HEADER] == str(contact.id) and me.json()["impersonated_by"]["sub"] == str(contact.id)
    refused = await identity.client.get("/staff", headers=as_teacher)  # an error answer is marked too
    assert refused.status_code == 403 and refused.headers[HEADER] == str(contact.id)
    refreshed = await identity.client.post("/token")
    assert refreshed.status_code == 200 and refreshed.headers[HEADER] == str(contact.id)

    out = await identity.client.post("/logout")

    assert out.status_code == 204 and out.headers[HEADER] == str(contact.id)
    assert (await identity.client.post("/token")).status_code == 401
    [begun] = await identity.audit("impersonation.started")
    [ended] = await identity.audit("impersonation.ended")
    for entry in (begun, ended):
        assert (entry.actor_id, entry.actor_role, entry.subject_id) == (
            str(contact.id),
            "board_contact",
            str(teacher.id),
        )
        assert entry.session_id == begun.session_id and entry.client_address == "127.0.0.1"
    assert begun.detail["school"] == "12AB01"


async def test_the_board_contacts_own_session_gives_way_to_looking_along(identity, board):
    contact_token = await identity.token(board["contact"])
    own_cookie = identity.client.cookies["loket_refresh"]
    await identity.client.post(
        "/impersonation",
        json={"account_id": str(board["teacher"].id)},
        headers={"Authorization": f"Bearer {contact_token}"},
    )
    identity.client.cookies.clear()
    identity.client.cookies.set("loket_refresh", own_cookie)
    assert (await identity.client.post("/token")).status_code == 401  # log in again as yourself afterwards


async def test_only_a_board_contact_and_only_at_its_own_boards_schools(identity, board):
    contact = {"Authorization": f"Bearer {await identity.token(board['contact'])}"}
    elsewhere = await identity.client.post(
        "/impersonation", json={"account_id": str(board["elsewhere"].id)}, headers=contact
    )
    assert elsewhere.status_code == 404
    admin = {"Authorization": f"Bearer {await identity.token(board['admin'])}"}
    by_admin = await identity.client.post(
        "/impersonation", json={"account_id": str(board["teacher"].id)}, headers=admin
    )
    assert by_admin.status_code == 403
    assert await identity.audit("impersonation.started") == []


async def test_no_administering_while_looking_along(identity, board):
    contact = {"Authorization": f"Bearer {await identity.token(board['contact'])}"}
    started = await identity.client.post("/impersonation", json={"account_id": str(board["admin"].id)}, headers=contact)
    as_admin = {"Authorization": f"Bearer {started.json()['access_token']}"}

    invited = await identity.client.post(
        "/staff", json={"email": "nieuw@school.example", "role": "school_user", "school": "12AB01"}, headers=as_admin
    )

    assert invited.status_code == 403 and "meekijken" in invited.json()["detail"]
    assert invited.headers[HEADER] == str(board["contact"].id)


async def test_deactivating_the_board_contact_ends_looking_along(identity, board):
    contact = {"Authorization": f"Bearer {await identity.token(board['contact'])}"}
    await identity.client.post("/impersonation", json={"account_id": str(board["teacher"].id)}, headers=contact)
    region_admin = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    async with identity.other_client("198.51.100.1") as admins_browser:
        headers = {"Authorization": f"Bearer {await identity.token(region_admin, client=admins_browser)}"}
        await admins_browser.post(f"/staff/{board['contact'].id}/deactivation", headers=headers)

    assert (await identity.client.post("/token")).status_code == 401
