"""The authorization matrix: every dossier endpoint × every kind of caller × an object of its own (Noor,
her school, her board, her group) and a foreign one (Daan at another board's school). Each cell says
the answer: GRANTED (the request got past access control: 2xx, or 409 when the object's state says
no), or the refusal: 401 without a token, 403 for an object the caller reaches but may not do this
with, 404 for one it does not reach (as if it did not exist). Zero unexpected grants.

A secondary school's staff (VO admin, VO user) have Noor as their own object while she is registered
with their school, and Daan, who is not, as the foreign one.

The endpoints come from the app's own routes (its OpenAPI document): a new endpoint without a row
here fails the test."""

# ruff: noqa: E501  (the tables read best one endpoint kind per line)

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from dossier_support import (
    OTHER_BOARD,
    OTHER_SCHOOL,
    OWN_BOARD,
    OWN_SCHOOL,
    PDF,
    SECONDARY_SCHOOL,
    Dossier,
    World,
    pupil,
    roles,
    with_questions,
    world,
)
from loket_test_support import GRANTED, Cells, Matrix

SERVICE = "dossier"

OK, NF, NO = GRANTED, 404, 403  # short names for the tables below

ROLES = (
    "region_admin",
    "board_contact",
    "school_admin",
    "school_user_in_group",
    "school_user_other_group",
    "school_user_no_group",
    "parent_of_pupil",
    "parent_of_other",
    "vo_school_admin",  # the secondary school Noor is registered with; Daan is not registered there
    "vo_school_user",
)
MATRIX_OF = Matrix(ROLES)
table = MATRIX_OF.table


# fmt: off
#                   region    board     s.admin   user 8a   user 8b   user all  parent    other p.  VO admin  VO user
READ_PUPIL = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (OK, NF), (OK, NF), (NF, NF), (OK, NF), (OK, NF))
READ_NOTES = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (OK, NF), (NO, NF), (NF, NF), (OK, NF), (OK, NF))
ASK_PRIMARY = table((NO, NO), (NO, NF), (NO, NF), (NO, NF), (NF, NF), (NO, NF), (NO, NF), (NF, NF), (OK, NF), (OK, NF))
WRITE_PUPIL = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (NF, NF), (OK, NF), (NO, NF), (NF, NF), (NF, NF), (NF, NF))
ADMIN_PUPIL = table((OK, OK), (OK, NF), (OK, NF), (NO, NF), (NF, NF), (NO, NF), (NO, NF), (NF, NF), (NF, NF), (NF, NF))
READ_SCHOOL = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
ADMIN_SCHOOL = table((OK, OK), (OK, NF), (OK, NF), (NO, NF), (NO, NF), (NO, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
STAFF_LIST = table((OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (NO, NO), (NO, NO), (OK, OK), (OK, OK))
REGION_ONLY = table((OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
BOARDS_LIST = table((OK, OK), (OK, OK), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
READ_BOARD = table((OK, OK), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
CREATE_SCHOOL = table((OK, OK), (OK, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
IMPORT_AT_SCHOOL = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
IMPORT_WHOLE_SCHOOL = table((NO, NO), (NO, NF), (OK, NF), (NO, NF), (NO, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
SCHOOL_QUESTIONS = table((NO, NO), (NF, NF), (OK, NF), (OK, NF), (OK, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
VO_SCHOOL_ONLY = table((NO, NO), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF), (OK, NF), (OK, NF))
SEND_GROUP = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (NF, NF), (OK, NF), (NF, NF), (NF, NF), (NF, NF), (NF, NF))
REGISTER_PUPIL = table((OK, OK), (NO, NO), (OK, NO), (OK, NO), (OK, NO), (OK, NO), (NO, NO), (NO, NO), (NO, NO), (NO, NO))
# fmt: on

RESULTS = "achternaam;roepnaam;geboortedatum;advies\nde Vries;Noor;09-03-2014;havo\n"  # a CSV file, sent as text/csv
LAS_EXPORT = (
    "leerlingnummer;roepnaam;achternaam;geboortedatum;ouder1_email\nLL1;Fenna;Visser;30-04-2014;o@example.org\n"
)
Request = Callable[[World, bool], tuple[str, dict[str, Any] | str | bytes | None]]  # (world, own?) → (path, body)
counter = iter(range(10, 100))


def pupil_of(suffix: str = "", body: dict[str, Any] | bytes | None = None) -> Request:
    return lambda w, own: (f"/pupils/{w.noor if own else w.daan}{suffix}", body)


def school_of(suffix: str = "", body: dict[str, Any] | str | None = None) -> Request:
    return lambda w, own: (f"/schools/{OWN_SCHOOL if own else OTHER_SCHOOL}{suffix}", body)


def group_of(suffix: str = "", body: dict[str, Any] | None = None) -> Request:
    return lambda w, own: (f"/groups/{w.own_group if own else w.foreign_group}{suffix}", body)


def new_school(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    return "/schools", {"brin": f"{next(counter)}XY01", "name": "Nieuw", "board": OWN_BOARD if own else OTHER_BOARD}


def new_pupil(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    return "/pupils", pupil("Fenna", "Visser", school=OWN_SCHOOL if own else OTHER_SCHOOL)


def new_external_pupil(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    external = {"school_brin": "09XY00", "school_name": "De Wilgenhof", "final_advice": "havo"}
    details = {key: value for key, value in pupil("Lina", "El Amrani").items() if key != "group"}
    return "/external-pupils", {**details, **external}


MATRIX: dict[str, tuple[Request, Cells]] = {
    "POST /boards": (lambda w, own: ("/boards", {"code": f"BG-{next(counter)}", "name": "Nieuw"}), REGION_ONLY),
    "GET /boards": (lambda w, own: ("/boards", None), BOARDS_LIST),
    "GET /boards/{code}": (lambda w, own: (f"/boards/{OWN_BOARD if own else OTHER_BOARD}", None), READ_BOARD),
    "POST /schools": (new_school, CREATE_SCHOOL),
    "GET /schools": (lambda w, own: ("/schools", None), STAFF_LIST),
    "GET /schools/{brin}": (school_of(), READ_SCHOOL),
    "PATCH /schools/{brin}": (school_of("", {"name": "Hernoemd"}), ADMIN_SCHOOL),
    "POST /schools/{brin}/groups": (school_of("/groups", {"name": "7b", "year_level": 7}), ADMIN_SCHOOL),
    "GET /schools/{brin}/groups": (school_of("/groups"), READ_SCHOOL),
    "GET /groups/{group_id}": (group_of(), READ_SCHOOL),
    "PUT /groups/{group_id}/teachers": (group_of("/teachers", {"teachers": ["teacher-8a"]}), ADMIN_SCHOOL),
    "POST /groups/{group_id}/parent-logins": (group_of("/parent-logins", {"language": "nl"}), SEND_GROUP),
    "POST /pupils": (new_pupil, REGISTER_PUPIL),
    "POST /external-pupils": (new_external_pupil, REGION_ONLY),
    "GET /pupils": (lambda w, own: ("/pupils", None), STAFF_LIST),
    "GET /pupils/{pupil_id}": (pupil_of(), READ_PUPIL),
    "PATCH /pupils/{pupil_id}": (pupil_of("", {"given_name": "Noortje"}), WRITE_PUPIL),
    "PUT /pupils/{pupil_id}/group": (pupil_of("/group", {"group": "8a"}), WRITE_PUPIL),
    "GET /pupils/{pupil_id}/audit": (pupil_of("/audit"), ADMIN_PUPIL),
    "POST /pupils/{pupil_id}/parent-login": (pupil_of("/parent-login", {"parent": 1}), WRITE_PUPIL),
    "GET /pupils/{pupil_id}/oki-doc": (pupil_of("/oki-doc"), READ_PUPIL),
    "GET /pupils/{pupil_id}/oki-doc.pdf": (pupil_of("/oki-doc.pdf"), READ_PUPIL),
    "POST /pupils/{pupil_id}/oki-doc/attachments": (pupil_of("/oki-doc/attachments", PDF), WRITE_PUPIL),
    "GET /pupils/{pupil_id}/oki-doc/attachments": (pupil_of("/oki-doc/attachments"), READ_PUPIL),
    "GET /pupils/{pupil_id}/oki-doc/attachments/{attachment_id}": (
        lambda w, own: (
            f"/pupils/{w.noor}/oki-doc/attachments/{w.noor_attachment}"
            if own
            else f"/pupils/{w.daan}/oki-doc/attachments/{w.daan_attachment}",
            None,
        ),
        READ_PUPIL,
    ),
    "PATCH /pupils/{pupil_id}/oki-doc": (pupil_of("/oki-doc", {"advice": {"tafelmiddag": True}}), WRITE_PUPIL),
    "POST /pupils/{pupil_id}/oki-doc/complete": (pupil_of("/oki-doc/complete"), WRITE_PUPIL),
    "POST /pupils/{pupil_id}/oki-doc/finalise": (pupil_of("/oki-doc/finalise"), WRITE_PUPIL),
    "POST /pupils/{pupil_id}/oki-doc/reopen": (pupil_of("/oki-doc/reopen", {"reason": "check"}), ADMIN_PUPIL),
    "PUT /pupils/{pupil_id}/doorstroomtoets": (pupil_of("/doorstroomtoets", {"level": "havo"}), WRITE_PUPIL),
    "PUT /pupils/{pupil_id}/final-advice": (pupil_of("/final-advice", {"level": "havo"}), WRITE_PUPIL),
    "POST /schools/{brin}/doorstroomtoets": (school_of("/doorstroomtoets", RESULTS), IMPORT_AT_SCHOOL),
    "POST /schools/{brin}/pupil-import": (school_of("/pupil-import", LAS_EXPORT), IMPORT_WHOLE_SCHOOL),
    "POST /pupils/{pupil_id}/notes": (
        pupil_of("/notes", {"text": "Let op", "visibility": "secondary_school"}),
        WRITE_PUPIL,
    ),
    "GET /pupils/{pupil_id}/notes": (pupil_of("/notes"), READ_NOTES),
    "PUT /pupils/{pupil_id}/not-placing-reason": (pupil_of("/not-placing-reason", {"reason": "moved"}), WRITE_PUPIL),
    "POST /pupils/{pupil_id}/information-requests": (pupil_of("/information-requests", {"message": "?"}), ASK_PRIMARY),
    "GET /pupils/{pupil_id}/information-requests": (pupil_of("/information-requests"), READ_NOTES),
    "POST /pupils/{pupil_id}/information-requests/{request_id}/answer": (
        lambda w, own: (
            f"/pupils/{w.noor}/information-requests/{w.noor_question}/answer"
            if own
            else f"/pupils/{w.daan}/information-requests/{w.daan_question}/answer",
            {"answer": "Goed."},
        ),
        WRITE_PUPIL,
    ),
    "GET /schools/{brin}/information-requests": (school_of("/information-requests"), SCHOOL_QUESTIONS),
    "GET /schools/{brin}/registered-pupils": (
        lambda w, own: (f"/schools/{SECONDARY_SCHOOL if own else OTHER_SCHOOL}/registered-pupils", None),
        VO_SCHOOL_ONLY,
    ),
}


async def test_every_endpoint_of_the_app_has_a_row_in_the_matrix(dossier: Dossier):
    assert Matrix.endpoints(dossier.app) == set(MATRIX)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
async def test_each_caller_gets_exactly_the_expected_answer_for_own_and_foreign_objects(dossier: Dossier, endpoint):
    the_world = await world(dossier)
    if "/information-requests/{request_id}" in endpoint:
        the_world = await with_questions(dossier, the_world)
    callers = roles(dossier, the_world)
    method = endpoint.split(" ")[0]
    request, cells = MATRIX[endpoint]

    async def ask(role: str, own: bool) -> httpx.Response:
        path, body = request(the_world, own)
        if isinstance(body, str | bytes):
            kind = "text/csv" if isinstance(body, str) else "application/pdf"
            content = body.encode() if isinstance(body, str) else body
            return await dossier.call(method, path, {**callers[role], "Content-Type": kind}, content=content)
        return await dossier.call(method, path, callers[role], json=body)

    assert await MATRIX_OF.unexpected(cells, ask) == []
