"""The authorization matrix: every notificatie endpoint × every kind of caller × a pupil or school of
its own (Noor at 12AB01) and a foreign one (Daan at 34CD02). Each cell says the answer: GRANTED (200),
or the refusal: 401 without a token, 403 for a school the caller reaches but whose messages it may not
see here, 404 for one it does not reach (as if it did not exist). Zero unexpected grants. The control
document and the proof of registration are the exception: aanmelding and dossier decide, with the
caller's own token; here a stand-in for both grants everyone, so notificatie itself asks only for a token.

The endpoints come from the app's own OpenAPI document: a new endpoint without a row fails the test."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from loket_test_support import GRANTED, Matrix
from notificatie_support import OTHER_SCHOOL, OWN_SCHOOL, World, world

from loket.notificatie.persistence.models import PreparedLetter

SERVICE = "notificatie"

OK, NF, NO = GRANTED, 404, 403

ROLES = (
    "region_admin",
    "board_contact",
    "school_admin",
    "school_user_no_group",
    "school_user_in_group",
    "parent_of_pupil",
    "parent_of_other",
)


MATRIX_OF = Matrix(ROLES, grants=frozenset({200, 201, 204}))
table = MATRIX_OF.table


# fmt: off
#                   region    board     s.admin   user all  user 8a   parent    other parent
SEE_MESSAGES = table((OK, OK), (OK, NF), (OK, NF), (OK, NF), (NO, NF), (NO, NO), (NO, NO))
DOCUMENTS = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (NO, NF), (OK, NF), (NF, OK))  # Daan is the other's child
SEND_LETTERS = table((NO, NO), (NO, NF), (OK, NF), (OK, NF), (NO, NF), (NO, NO), (NO, NO))
# printed from aanmelding's and dossier's records with the caller's own token: their checks decide (here a
# stand-in that grants everyone; tests/e2e/test_documents_from_record.py has the real ones), none of its own
RECORDED = table((OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK), (OK, OK))
# fmt: on

Request = Callable[[World, bool], tuple[str, dict[str, Any]]]  # (world, own?) → (path, query or JSON body)


def placement_letter(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    body = {
        "pupil_id": str(w.noor if own else w.daan),
        "recipient": "ouder@example.org",
        "parent_name": "familie De Vries",
        "pupil_name": "Noor de Vries",
        "pupil_birth_date": "2014-03-09",
        "case_reference": "OT-1",
        "school_name": "Lindeschool",
        "signatory_name": "J. Jansen",
        "signatory_role": "directeur",
    }
    return f"/schools/{OWN_SCHOOL if own else OTHER_SCHOOL}/placement-letters", body


def prepared_letters(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    path, letter = placement_letter(w, own)
    send_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return path.replace("placement-letters", "prepared-letters"), {"send_at": send_at, "letters": [letter]}


def document(kind: str) -> Request:
    def request(w: World, own: bool) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "pupil_id": str(w.noor if own else w.daan),
            "pupil_name": "Noor de Vries",
            "elk_number": "10001",
            "school_name": "Lindeschool",
            "preferences": [{"school": "Het Lyceum", "program": "havo/vwo"}],
        }
        if kind != "paper-form":
            return f"/pupils/{w.noor if own else w.daan}/documents/{kind}.pdf", {}
        programs = body.pop("preferences")
        body |= {
            "advice": "havo/vwo",
            "round_name": "1e ronde",
            "hand_in_before": "2027-03-12T17:00:00+01:00",
            "list_rule": "Zet ten minste 4 scholen in volgorde.",
            "programs": programs,
        }
        return f"/documents/{kind}.pdf", body

    return request


def a_waiting_letter(w: World, own: bool) -> tuple[str, dict[str, Any]]:
    """A fresh waiting letter per call: a granted DELETE takes one away."""
    school = OWN_SCHOOL if own else OTHER_SCHOOL
    return f"/schools/{school}/prepared-letters/{w.waiting[school].pop()}", {}


MATRIX: dict[str, tuple[Request, dict[str, tuple[object, object]]]] = {
    "GET /schools/{brin}/messages": (
        lambda w, own: (f"/schools/{OWN_SCHOOL if own else OTHER_SCHOOL}/messages", {}),
        SEE_MESSAGES,
    ),
    "GET /messages": (lambda w, own: ("/messages", {"pupil": str(w.noor if own else w.daan)}), SEE_MESSAGES),
    "POST /schools/{brin}/placement-letters": (placement_letter, SEND_LETTERS),
    "POST /schools/{brin}/prepared-letters": (prepared_letters, SEND_LETTERS),
    "GET /schools/{brin}/prepared-letters": (
        lambda w, own: (f"/schools/{OWN_SCHOOL if own else OTHER_SCHOOL}/prepared-letters", {}),
        SEND_LETTERS,
    ),
    "DELETE /schools/{brin}/prepared-letters/{letter_id}": (a_waiting_letter, SEND_LETTERS),
    "POST /documents/paper-form.pdf": (document("paper-form"), DOCUMENTS),
    "GET /pupils/{pupil_id}/documents/control-document.pdf": (document("control-document"), RECORDED),
    "GET /pupils/{pupil_id}/documents/proof-of-registration.pdf": (document("proof-of-registration"), RECORDED),
}


def waiting_letter(pupil: UUID, school: str) -> PreparedLetter:
    now = datetime.now(UTC)
    return PreparedLetter(
        pupil_id=pupil,
        school_brin=school,
        recipient="ouder@example.org",
        case_reference="OT-1",
        send_at=now + timedelta(days=1),
        fields={"parent_name": "familie De Vries", "school_name": "Lindeschool", "case_reference": "OT-1"},
        pdf=b"%PDF-1.4 a stand-in",
        prepared_at=now,
        prepared_by="test",
    )


@pytest.fixture
async def the_world(migrated_database_url, smtp, token_authority) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    w = await world(migrated_database_url, smtp, token_authority)
    async with w.runtime.database.transaction() as session:
        for pupil, school in [(w.noor, OWN_SCHOOL), (w.daan, OTHER_SCHOOL)]:
            letters = [waiting_letter(pupil, school) for _ in ROLES + ROLES]
            session.add_all(letters)
            w.waiting[school] = [str(letter.id) for letter in letters]
    yield w
    await w.client.aclose()
    await w.runtime.database.dispose()


def test_every_endpoint_of_the_app_has_a_row_in_the_matrix(the_world: World):
    app = the_world.client._transport.app  # type: ignore[attr-defined]
    assert Matrix.endpoints(app) == set(MATRIX)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
async def test_each_caller_gets_exactly_the_expected_answer_for_own_and_foreign_objects(the_world: World, endpoint):
    method = endpoint.split(" ")[0]
    request, cells = MATRIX[endpoint]

    async def ask(role: str | None, own: bool) -> httpx.Response:
        path, params = request(the_world, own)
        if method == "GET":
            response = await the_world.get(path, role, **params)
        elif method == "DELETE":
            response = await the_world.delete(path, role)
        else:
            response = await the_world.post(path, role, params)
        if response.status_code == 200 and method == "GET" and path.endswith("messages"):
            [message] = response.json()["messages"]  # exactly the one message about that school's pupil
            assert message["pupil_id"] == str(the_world.noor if own else the_world.daan)
        return response

    assert await MATRIX_OF.unexpected(cells, ask, anonymous=None) == []
