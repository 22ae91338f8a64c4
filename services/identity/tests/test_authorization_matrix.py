"""The authorization matrix of identity: every endpoint that takes an access token × every kind of caller
× an object of its own (an account at school 12AB01 of board ZML, or board ZML) and a foreign one (an
account at 34CD01 of board OVER, or board OVER). Each cell says the answer: GRANTED (past access control:
2xx, or 409 when the object's state says no), or the refusal: 401 without a token, 403 for what the
caller's role may not do, 404 for an account outside its reach (as if it did not exist). Zero
unexpected grants.

The endpoints come from the app's own routes: a new endpoint without a row here (or in PUBLIC, with the
reason it takes no token) fails the test."""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
import pytest
from loket_test_support import GRANTED, Cells, Matrix

from loket.contracts.tokens import Role
from loket.identity.persistence.models import StaffAccount

SERVICE = "identity"

OK, NF, NO = GRANTED, 404, 403
WRONG_CODE = 422  # the TOTP confirmation got past access control and refused the code itself

# Routes without an access token, and what guards them instead (each has tests of its own).
PUBLIC = {
    "GET /.well-known/jwks.json": "public keys, meant for everyone",
    "POST /login": "credentials, throttled (test_login.py)",
    "POST /token": "the session cookie (test_sessions.py)",
    "POST /logout": "the session cookie or the caller's own bearer (test_sessions.py)",
    "POST /password-reset": "the same answer for every username (test_password_reset.py)",
    "GET /activate/{token}": "the single-use link (test_activation_page.py)",
    "POST /activate/{token}": "the link and the child's school and birth date (test_activation_page.py)",
    "GET /invitation/{token}": "the single-use link (test_invitation_page.py)",
    "POST /invitation/{token}": "the single-use link (test_invitation_page.py)",
    "GET /reset/{token}": "the single-use link (test_password_reset.py)",
    "POST /reset/{token}": "the single-use link (test_password_reset.py)",
}

CALLERS = (
    "region_admin",
    "board_contact",
    "school_admin",
    "school_user",
    "parent",
    "looking_along",  # a board contact looking along as the school administrator (meekijken)
    "deactivated_admin",  # a school administrator deactivated after its token was issued
)
MATRIX_OF = Matrix(CALLERS)
table = MATRIX_OF.table


# fmt: off
#                    region    board     s.admin   s.user    parent    looking   deactivated
ANYONE = table((OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK))
ADMINISTRATORS = table((OK, OK), (OK, OK), (OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
INVITE = table((OK, OK), (OK, NO), (OK, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
MANAGE_ACCOUNT = table((OK, OK), (OK, NF), (OK, NF), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
READ_BOARD = table((OK, OK), (OK, NF), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
SET_BOARD = table((OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
ENROL = table((OK, OK), (OK, OK), (OK, OK), (OK, OK), (NO, NO), (NO, NO), (OK, OK))
CONFIRM = table(*[(WRONG_CODE, WRONG_CODE)] * 4, (NO, NO), (NO, NO), (WRONG_CODE, WRONG_CODE))
IMPERSONATE = table((OK, OK), (OK, NF), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
REGION_ONLY = table((OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
# fmt: on


@dataclass
class World:
    """Board ZML with 12AB01 and 12AB02, board OVER with 34CD01; the callers, and accounts to act on."""

    callers: dict[str, dict[str, str]]
    own_user: StaffAccount
    foreign_user: StaffAccount
    own_pending: StaffAccount
    foreign_pending: StaffAccount


emails = count(1)


async def world(identity) -> World:  # type: ignore[no-untyped-def]
    await identity.set_board_schools("ZML", "12AB01", "12AB02")
    await identity.set_board_schools("OVER", "34CD01")
    region = await identity.add_staff("regio@loket.example", Role.REGION_ADMIN, totp=True)
    contact = await identity.add_staff("bestuur@zml.example", Role.BOARD_CONTACT, board="ZML", totp=True)
    await identity.add_staff("bestuur@over.example", Role.BOARD_CONTACT, board="OVER", totp=True)
    admin = await identity.add_staff("beheer@12ab01.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True)
    teacher = await identity.add_staff("juf@12ab01.example", Role.SCHOOL_USER, school="12AB01", groups=["8a"])
    leaving = await identity.add_staff("vertrokken@12ab01.example", Role.SCHOOL_ADMIN, school="12AB01", totp=True)
    own_user = await identity.add_staff("meester@12ab01.example", Role.SCHOOL_USER, school="12AB01")
    foreign_user = await identity.add_staff("meester@34cd01.example", Role.SCHOOL_USER, school="34CD01")
    own_pending = await identity.add_staff(
        "nieuw@12ab01.example", Role.SCHOOL_USER, school="12AB01", password=None, state="pending"
    )
    foreign_pending = await identity.add_staff(
        "nieuw@34cd01.example", Role.SCHOOL_USER, school="34CD01", password=None, state="pending"
    )

    callers = {
        "region_admin": await bearer_of(identity, region),
        "board_contact": await bearer_of(identity, contact),
        "school_admin": await bearer_of(identity, admin),
        "school_user": await bearer_of(identity, teacher),
        "deactivated_admin": await bearer_of(identity, leaving),
    }
    looking = await identity.client.post(
        "/impersonation", json={"account_id": str(admin.id)}, headers=callers.pop("board_contact")
    )
    assert looking.status_code == 200, looking.text
    callers["looking_along"] = {"Authorization": f"Bearer {looking.json()['access_token']}"}
    callers["board_contact"] = await bearer_of(identity, contact)  # its own session ended when it looked along

    link = await identity.ask_parent_login("10001")
    assert (await identity.activate(link)).status_code == 200
    callers["parent"] = await bearer_of(identity, "10001")

    deactivated = await identity.client.post(f"/staff/{leaving.id}/deactivation", headers=callers["region_admin"])
    assert deactivated.status_code == 200, deactivated.text
    callers["no_token"] = {}
    return World(callers, own_user, foreign_user, own_pending, foreign_pending)


async def bearer_of(identity, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {await identity.token(account)}"}


Request = Callable[[World, bool], tuple[str, dict[str, Any] | None]]  # (world, own?) → (path, body)


def account(suffix: str, body: dict[str, Any] | None = None, *, pending: bool = False) -> Request:
    def request(w: World, own: bool) -> tuple[str, dict[str, Any] | None]:
        target = (w.own_pending if own else w.foreign_pending) if pending else (w.own_user if own else w.foreign_user)
        return f"/staff/{target.id}{suffix}", body

    return request


def same_role(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    """Give the account the role it has: past access control the change is harmless to the other cells."""
    target = w.own_user if own else w.foreign_user
    return f"/staff/{target.id}/role", {"role": "school_user", "school": target.school_brin}


def invitation(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    school = "12AB01" if own else "34CD01"
    return "/staff", {"email": f"uitgenodigd-{next(emails)}@school.example", "role": "school_user", "school": school}


def board(suffix: str = "", body: Callable[[bool], dict[str, Any]] | None = None) -> Request:
    return lambda w, own: (f"/boards/{'ZML' if own else 'OVER'}/schools{suffix}", body(own) if body else None)


def unchanged_schools(own: bool) -> dict[str, Any]:
    return {"schools": ["12AB01", "12AB02"] if own else ["34CD01"]}


def impersonation(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    return "/impersonation", {"account_id": str((w.own_user if own else w.foreign_user).id)}


MATRIX: dict[str, tuple[Request, Cells]] = {
    "GET /me": (lambda w, own: ("/me", None), ANYONE),
    "GET /staff": (lambda w, own: ("/staff", None), ADMINISTRATORS),
    "GET /staff/{account_id}": (account(""), MANAGE_ACCOUNT),
    "POST /staff": (invitation, INVITE),
    "POST /staff/{account_id}/invitation": (account("/invitation", pending=True), MANAGE_ACCOUNT),
    "PUT /staff/{account_id}/role": (same_role, MANAGE_ACCOUNT),
    "POST /staff/{account_id}/deactivation": (account("/deactivation"), MANAGE_ACCOUNT),
    "DELETE /staff/{account_id}/deactivation": (account("/deactivation"), MANAGE_ACCOUNT),
    "GET /boards/{board}/schools": (board(), READ_BOARD),
    "PUT /boards/{board}/schools": (board(body=unchanged_schools), SET_BOARD),
    "POST /second-factor/totp": (lambda w, own: ("/second-factor/totp", None), ENROL),
    "POST /second-factor/totp/confirm": (lambda w, own: ("/second-factor/totp/confirm", {"code": "000000"}), CONFIRM),
    "GET /second-factor": (lambda w, own: ("/second-factor", None), ENROL),
    "POST /second-factor/recovery-codes": (lambda w, own: ("/second-factor/recovery-codes", None), ENROL),
    "POST /impersonation": (impersonation, IMPERSONATE),
    "GET /audit": (lambda w, own: ("/audit", None), REGION_ONLY),
}


async def test_every_endpoint_is_in_the_matrix_or_public_for_a_stated_reason(identity):
    assert Matrix.endpoints(identity.app) == set(MATRIX) | set(PUBLIC)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
async def test_each_caller_gets_exactly_the_expected_answer_for_own_and_foreign_objects(identity, endpoint):
    the_world = await world(identity)
    method = endpoint.split(" ")[0]
    request, cells = MATRIX[endpoint]

    async def ask(caller: str, own: bool) -> httpx.Response:
        path, body = request(the_world, own)
        return await identity.client.request(method, path, json=body, headers=the_world.callers[caller])

    assert await MATRIX_OF.unexpected(cells, ask) == []


async def test_an_administrator_lists_only_the_accounts_within_its_reach(identity):
    the_world = await world(identity)

    def listed(caller: str) -> Any:
        return identity.client.get("/staff", headers=the_world.callers[caller])

    everyone = {entry["email"] for entry in (await listed("region_admin")).json()}
    at_board = {(entry["school"], entry["board"]) for entry in (await listed("board_contact")).json()}
    at_school = {entry["school"] for entry in (await listed("school_admin")).json()}

    assert {"meester@34cd01.example", "bestuur@over.example", "regio@loket.example"} <= everyone
    assert at_board == {("12AB01", None), (None, "ZML")}
    assert at_school == {"12AB01"}
