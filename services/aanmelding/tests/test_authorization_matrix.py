"""The authorization matrix of aanmelding: every endpoint × every kind of caller × an object of its own and
a foreign one. Noor goes to primary school 12AB01, in group 8a, and registered with Lyceum 94AB00 first;
Daan goes to 34CD01 and registered with College 94AA00 first. Each cell says the answer: GRANTED (past access
control: 2xx, or 409/422 when the object's state or the input says no), or the refusal: 401 without a
token, 403 for what the caller may not do, 404 for what it does not reach (as if it did not exist).
Zero unexpected grants.

The endpoints come from the app's own routes: a new endpoint without a row fails the test."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aanmelding_support import OTHER_PRIMARY_SCHOOL, PRIMARY_SCHOOL
from loket_test_support import GRANTED, Cells, Matrix

SERVICE = "aanmelding"
LYCEUM, COLLEGE = "94AB00", "94AA00"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
TO_COLLEGE = ["94AA00-havo", "94AB00-hv", "94AC00-havo"]
SIBLING = {"kind": "sibling", "sibling_name": "Ali", "sibling_class": "2b"}

OK, NF, NO = GRANTED, 404, 403

CALLERS = (
    "region_admin",
    "board_contact",  # of the board of 12AB01
    "primary_admin",  # school administrator of 12AB01
    "teacher_of_8a",  # school user of 12AB01 limited to group 8a by the token
    "teaches_8b",  # school user of 12AB01 whom dossier links to group 8b
    "lyceum_user",  # staff of 94AB00
    "other_vo_user",  # staff of 94AC00, where neither registered first
    "parent_of_noor",
    "parent_of_other",
)
MATRIX_OF = Matrix(CALLERS, grants=frozenset({200, 201, 202, 204, 409, 422}))
table = MATRIX_OF.table


# A teacher's list of the school's pupils is granted to teaches_8b too: it holds only 8b's pupils
# (`test_teachers_see_their_groups.py`).
# fmt: off
#                    region    board     p.admin   8a only   8b only   lyceum    other vo  parent    other parent
READ_PUPIL = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (OK, NF), (NF, NF))
PARENT_STEP = table((NO, NO), (NO, NF), (NO, NF), (NO, NF), (NF, NF), (NF, NF), (NF, NF), (OK, NF), (NF, NF))
SCHOOL_PUPILS = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
PRIMARY_ACT = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
VO_LIST = table((OK, OK), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF))
VO_ACT = table((NO, NO), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF))
REGION = table((OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
# fmt: on

PUBLIC = {"GET /procedure", "GET /procedure/programs"}  # the region's school guide: no token


@dataclass
class World:
    noor: str
    daan: str
    noor_registration: str
    daan_registration: str
    lottery: str
    callers: dict[str, dict[str, str]]


async def world(aanmelding) -> World:  # type: ignore[no-untyped-def]
    noor = await aanmelding.pupil_with_advice("havo", school=PRIMARY_SCHOOL, group="8a")
    await aanmelding.teach("8b", "teacher-of-8b")
    daan = await aanmelding.pupil_with_advice("havo", school=OTHER_PRIMARY_SCHOOL)
    noor_registration = (await aanmelding.register(noor, TO_LYCEUM, priority=SIBLING)).json()["id"]
    daan_registration = (await aanmelding.register(daan, TO_COLLEGE, priority=SIBLING)).json()["id"]
    lottery = await aanmelding.take_lottery()
    await first_choices_applied(aanmelding, lottery.json())
    callers = {
        "region_admin": aanmelding.token("region_admin"),
        "board_contact": aanmelding.token("board_contact", board="B1", schools=[PRIMARY_SCHOOL]),
        "primary_admin": aanmelding.token("school_admin", schools=[PRIMARY_SCHOOL]),
        "teacher_of_8a": aanmelding.token("school_user", schools=[PRIMARY_SCHOOL], groups=["8a"]),
        "teaches_8b": aanmelding.token("school_user", "teacher-of-8b", schools=[PRIMARY_SCHOOL]),
        "lyceum_user": aanmelding.teacher(LYCEUM),
        "other_vo_user": aanmelding.teacher("94AC00"),
        "parent_of_noor": aanmelding.parent(noor),
        "parent_of_other": aanmelding.parent(noor.__class__(int=noor.int + 1)),
        "no_token": {},
    }
    return World(str(noor), str(daan), noor_registration, daan_registration, lottery.json()["id"], callers)


async def first_choices_applied(aanmelding, lottery: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The lottery's result applied, so that its outcome can be read: with seats enough for both, the
    result file places each at the first choice, as `loting solve` would."""
    region = aanmelding.token("region_admin")
    committed = json.loads((await aanmelding.call("GET", lottery["market_path"], region)).text)
    market = json.dumps({**committed, "seed": "ab" * 32})
    assignments = [
        {"program": student["preferences"][0], "rank": 1, "student": student["id"]}
        for student in sorted(committed["students"], key=lambda student: student["id"])
    ]
    result = {
        "assignments": assignments,
        "format": "loting-result/1",
        "market_sha256": hashlib.sha256(market.encode()).hexdigest(),
        "mechanism": committed["mechanism"],
        "seed": "ab" * 32,
    }
    body = {"market": market, "result": json.dumps(result, sort_keys=True, separators=(",", ":")) + "\n"}
    applied = await aanmelding.call("POST", f"/lotteries/{lottery['id']}/result", region, json=body)
    assert applied.status_code == 200, applied.text


Request = Callable[[World, bool], tuple[str, dict[str, Any] | None]]


def pupil(step: str = "", body: dict[str, Any] | None = None) -> Request:
    return lambda w, own: (f"/pupils/{w.noor if own else w.daan}/registration{step}", body)


def primary(suffix: str) -> Request:
    return lambda w, own: (f"/schools/{PRIMARY_SCHOOL if own else OTHER_PRIMARY_SCHOOL}{suffix}", None)


def secondary(suffix: str) -> Request:
    return lambda w, own: (f"/schools/{LYCEUM if own else COLLEGE}{suffix}", None)


def registration(suffix: str, body: dict[str, Any]) -> Request:
    return lambda w, own: (f"/registrations/{w.noor_registration if own else w.daan_registration}{suffix}", body)


def region(path: str, body: dict[str, Any] | None = None) -> Request:
    return lambda w, own: (path.replace("{lottery}", w.lottery), body)


CONSENT = {"programs": TO_LYCEUM, "consent": {"given_by": "moeder", "how": "gesprek"}}
MATRIX: dict[str, tuple[Request, Cells]] = {
    "GET /pupils/{pupil_id}/registration": (pupil(), READ_PUPIL),
    "GET /pupils/{pupil_id}/registration/outcome": (pupil("/outcome"), READ_PUPIL),  # a parent: 409 till published
    "POST /pupils/{pupil_id}/registration": (pupil(), PARENT_STEP),
    "PUT /pupils/{pupil_id}/registration/pupil-check": (pupil("/pupil-check", {"correct": True}), PARENT_STEP),
    "PUT /pupils/{pupil_id}/registration/contact-check": (pupil("/contact-check", {"correct": True}), PARENT_STEP),
    "PUT /pupils/{pupil_id}/registration/preferences": (pupil("/preferences", {"programs": TO_LYCEUM}), PARENT_STEP),
    "PUT /pupils/{pupil_id}/registration/signature": (pupil("/signature", {"signed_by": "J. de Ouder"}), PARENT_STEP),
    "POST /pupils/{pupil_id}/registration/submission": (pupil("/submission"), PARENT_STEP),
    "POST /pupils/{pupil_id}/registration/withdrawal": (pupil("/withdrawal"), PARENT_STEP),
    "GET /schools/{brin}/pupils": (primary("/pupils"), SCHOOL_PUPILS),
    "POST /pupils/{pupil_id}/registration/forwarding": (pupil("/forwarding"), PRIMARY_ACT),
    "PUT /pupils/{pupil_id}/registration/school-change": (pupil("/school-change", CONSENT), PRIMARY_ACT),
    "POST /pupils/{pupil_id}/registration/paper-form": (
        pupil("/paper-form", {"programs": TO_LYCEUM, "signed_by": "M. de Ouder"}),
        PRIMARY_ACT,
    ),
    "GET /schools/{brin}/registrations": (secondary("/registrations"), VO_LIST),
    "GET /schools/{brin}/exports/{kind}.{extension}": (secondary("/exports/registrations.xlsx"), VO_LIST),
    "POST /registrations/{registration_id}/priority-decision": (
        registration("/priority-decision", {"granted": True}),
        VO_ACT,
    ),
    "POST /registrations/{registration_id}/placement": (registration("/placement", {"stream": "tto"}), VO_ACT),
    "POST /registrations/{registration_id}/support-refusal": (
        registration("/support-refusal", {"reason": "x"}),
        VO_ACT,
    ),
    "POST /registrations/{registration_id}/school-withdrawal": (
        registration("/school-withdrawal", {"reason": "x"}),
        VO_ACT,
    ),
    "PUT /registrations/{registration_id}/tafelmiddag": (registration("/tafelmiddag", {"tafelmiddag": True}), VO_ACT),
    "POST /registrations/{registration_id}/notes": (registration("/notes", {"text": "Intake gepland"}), VO_ACT),
    "GET /registrations/{registration_id}/notes": (registration("/notes", None), VO_LIST),
    "GET /registrations/{registration_id}": (registration("", None), VO_LIST),
    "GET /rounds/{round_code}/market": (region("/rounds/ronde-1/market"), REGION),
    "GET /rounds/{round_code}/ended-by-school": (region("/rounds/ronde-1/ended-by-school"), REGION),
    "POST /rounds/{round_code}/lotteries": (region("/rounds/ronde-1/lotteries"), REGION),
    "GET /rounds/{round_code}/lotteries": (region("/rounds/ronde-1/lotteries"), REGION),
    "GET /rounds/{round_code}/numbers": (region("/rounds/ronde-1/numbers"), REGION),
    "GET /lotteries/{lottery_id}": (region("/lotteries/{lottery}"), REGION),
    "GET /lotteries/{lottery_id}/market": (region("/lotteries/{lottery}/market"), REGION),
    "POST /lotteries/{lottery_id}/result": (
        region("/lotteries/{lottery}/result", {"market": "{}", "result": "{}"}),
        REGION,
    ),
    "POST /lotteries/{lottery_id}/ceremony": (region("/lotteries/{lottery}/ceremony", {}), REGION),
    "GET /lotteries/{lottery_id}/unplaced": (region("/lotteries/{lottery}/unplaced"), REGION),
}


async def test_every_endpoint_is_in_the_matrix_or_public(aanmelding):
    assert Matrix.endpoints(aanmelding.app) == set(MATRIX) | PUBLIC


async def test_the_public_school_guide_needs_no_token(aanmelding):
    for path in ("/procedure", "/procedure/programs?advice=havo"):
        assert (await aanmelding.call("GET", path, {})).status_code == 200


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
async def test_each_caller_gets_exactly_the_expected_answer_for_own_and_foreign_objects(aanmelding, endpoint):
    the_world = await world(aanmelding)
    method = endpoint.split(" ")[0]
    request, cells = MATRIX[endpoint]

    async def ask(caller: str, own: bool) -> httpx.Response:
        path, body = request(the_world, own)
        return await aanmelding.call(method, path, the_world.callers[caller], json=body)

    assert await MATRIX_OF.unexpected(cells, ask) == []
