"""A secondary school's question to the primary school, and the answer: the primary school's own staff
answer once, the school that asked is told by an event without the text, and each school finds its
open questions in one list. The schools' contact addresses, where notificatie tells them, are events
too."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from dossier_support import OTHER_SCHOOL, OWN_SCHOOL, SECONDARY_SCHOOL, Dossier, published, registered_with, world
from loket_test_support import deliver

from loket.contracts.events import RegistrationWithdrawn

SERVICE = "dossier"

QUESTION = "Hoe gaat het met de rekenvaardigheid van Noor?"
ANSWER = "Goed; zij werkt op het niveau van groep 8 en heeft geen extra ondersteuning nodig."


async def ask(dossier: Dossier, pupil: str, vo: dict[str, str]) -> str:
    asked = await dossier.call("POST", f"/pupils/{pupil}/information-requests", vo, json={"message": QUESTION})
    assert asked.status_code == 201, asked.text
    return str(asked.json()["id"])


async def test_the_primary_school_answers_once_and_the_school_that_asked_is_told_without_the_text(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_user(SECONDARY_SCHOOL, subject="vo-mentor")
    question = await ask(dossier, the_world.noor, vo)
    answer_at = f"/pupils/{the_world.noor}/information-requests/{question}/answer"

    refused = {
        "the secondary school": (vo, 404),
        "a teacher of another group": (dossier.school_user(groups=("8b",)), 404),
        "another primary school": (dossier.school_admin(OTHER_SCHOOL), 404),
        "the parent": (dossier.parent(the_world.noor), 403),
    }
    for who, (headers, expected) in refused.items():
        response = await dossier.call("POST", answer_at, headers, json={"answer": ANSWER})
        assert response.status_code == expected, (who, response.text)
    blank = await dossier.call("POST", answer_at, dossier.school_admin(), json={"answer": "   "})
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"] == ["body", "answer"]
    elsewhere = f"/pupils/{the_world.sem}/information-requests/{question}/answer"  # Noor's question, Sem's path
    assert (await dossier.call("POST", elsewhere, dossier.school_admin(), json={"answer": ANSWER})).status_code == 404
    unknown = f"/pupils/{the_world.noor}/information-requests/{uuid4()}/answer"
    assert (await dossier.call("POST", unknown, dossier.school_admin(), json={"answer": ANSWER})).status_code == 404
    assert await published(dossier, "dossier.information.answered") == []

    teacher = dossier.school_user(groups=("8a",), subject="t-8a")
    answered = await dossier.call("POST", answer_at, teacher, json={"answer": ANSWER})

    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["answer"], body["answered_by"], body["message"]) == (ANSWER, "t-8a", QUESTION)
    again = await dossier.call("POST", answer_at, dossier.school_admin(), json={"answer": "Iets anders"})
    assert again.status_code == 409 and "answered" in again.json()["detail"]
    assert await published(dossier, "dossier.information.answered") == [
        {
            "request_id": question,
            "pupil_id": the_world.noor,
            "from_school_brin": SECONDARY_SCHOOL,
            "to_school_brin": OWN_SCHOOL,
        }
    ]
    seen_by_vo = (await dossier.call("GET", f"/pupils/{the_world.noor}/information-requests", vo)).json()
    assert [(q["message"], q["answer"]) for q in seen_by_vo] == [(QUESTION, ANSWER)]
    trail = (await dossier.call("GET", f"/pupils/{the_world.noor}/audit", dossier.school_admin())).json()
    assert [entry["actor"] for entry in trail if entry["action"] == "information.answered"] == ["t-8a"]


async def test_each_school_lists_its_open_questions_within_its_reach(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    question = await ask(dossier, the_world.noor, vo)

    async def listed(school: str, headers: dict[str, str], *, open_only: bool = True) -> list[tuple[str, str]]:
        response = await dossier.call("GET", f"/schools/{school}/information-requests?open={open_only}", headers)
        assert response.status_code == 200, response.text
        return [(q["id"], q["pupil"]["given_name"]) for q in response.json()]

    assert await listed(OWN_SCHOOL, dossier.school_admin()) == [(question, "Noor")]
    assert await listed(OWN_SCHOOL, dossier.school_user(groups=("8a",))) == [(question, "Noor")]
    assert await listed(OWN_SCHOOL, dossier.school_user(groups=("8b",))) == []  # not Noor's teacher
    assert await listed(OTHER_SCHOOL, dossier.school_admin(OTHER_SCHOOL)) == []
    assert await listed(SECONDARY_SCHOOL, vo) == [(question, "Noor")]
    assert (await dossier.call("GET", f"/schools/{OWN_SCHOOL}/information-requests", vo)).status_code == 404
    region = await dossier.call("GET", f"/schools/{OWN_SCHOOL}/information-requests", dossier.region_admin())
    assert region.status_code == 403

    answer_at = f"/pupils/{the_world.noor}/information-requests/{question}/answer"
    assert (await dossier.call("POST", answer_at, dossier.school_admin(), json={"answer": ANSWER})).status_code == 200

    assert await listed(OWN_SCHOOL, dossier.school_admin()) == []
    assert await listed(OWN_SCHOOL, dossier.school_admin(), open_only=False) == [(question, "Noor")]
    assert await listed(SECONDARY_SCHOOL, vo, open_only=False) == [(question, "Noor")]


async def test_a_secondary_school_no_longer_lists_its_questions_once_the_registration_is_withdrawn(
    dossier: Dossier,
):
    the_world = await world(dossier)
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    registration = await registered_with(dossier, the_world.sem, SECONDARY_SCHOOL)
    about_noor, about_sem = await ask(dossier, the_world.noor, vo), await ask(dossier, the_world.sem, vo)

    def ids(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [q["id"] for q in response.json()]

    assert ids(await dossier.call("GET", f"/schools/{SECONDARY_SCHOOL}/information-requests", vo)) == [
        about_noor,
        about_sem,
    ]
    withdrawn = RegistrationWithdrawn(
        pupil_id=UUID(the_world.sem),
        registration_id=registration,
        school_brins=(SECONDARY_SCHOOL,),
        withdrawn_at=datetime.now(UTC),
    )
    assert await deliver(dossier.runtime, withdrawn)

    assert ids(await dossier.call("GET", f"/schools/{SECONDARY_SCHOOL}/information-requests", vo)) == [about_noor]
    own = await dossier.call("GET", f"/schools/{OWN_SCHOOL}/information-requests", dossier.school_admin())
    assert ids(own) == [about_noor, about_sem]  # the primary school still has Sem's question to answer


async def test_a_schools_questions_come_a_page_at_a_time_with_the_whole_lists_length(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    await registered_with(dossier, the_world.sem, SECONDARY_SCHOOL)
    asked = [await ask(dossier, the_world.noor, vo), await ask(dossier, the_world.sem, vo)]
    asked.append(await ask(dossier, the_world.noor, vo))
    at = f"/schools/{OWN_SCHOOL}/information-requests"

    first = await dossier.call("GET", f"{at}?limit=2", dossier.school_admin())
    second = await dossier.call("GET", f"{at}?limit=2&offset=2", dossier.school_admin())
    newest = await dossier.call("GET", f"{at}?limit=1&sort=-asked_at", dossier.school_admin())
    whole = await dossier.call("GET", at, dossier.school_admin())

    assert [q["id"] for q in first.json()] == asked[:2] and first.headers["X-Total-Count"] == "3"
    assert [q["id"] for q in second.json()] == asked[2:] and second.headers["X-Total-Count"] == "3"
    assert [q["id"] for q in newest.json()] == asked[2:]
    assert [q["id"] for q in whole.json()] == asked
    unknown = await dossier.call("GET", f"{at}?limit=2&sort=message", dossier.school_admin())
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["type"] == "unknown_sort"


async def test_a_schools_contact_address_is_set_by_its_administrators_and_published(dossier: Dossier):
    admin = dossier.region_admin()
    school = {"brin": "90ZZ01", "name": "De Regenboog", "contact_email": "administratie@regenboog.example"}
    assert (await dossier.call("POST", "/schools", admin, json=school)).status_code == 201
    at = "/schools/90ZZ01"
    own_admin = dossier.school_admin("90ZZ01")

    bad = await dossier.call("PATCH", at, own_admin, json={"contact_email": "geen adres"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "contact_email"]
    by_user = await dossier.call("PATCH", at, dossier.school_user("90ZZ01"), json={"contact_email": "x@example.org"})
    assert by_user.status_code == 403
    assert (await dossier.call("PATCH", at, own_admin, json={"name": "De Regenboog"})).status_code == 200  # same
    changed = await dossier.call("PATCH", at, own_admin, json={"contact_email": "vragen@regenboog.example"})
    assert changed.status_code == 200 and changed.json()["contact_email"] == "vragen@regenboog.example"
    assert (await dossier.call("PATCH", at, own_admin, json={"name": "OBS De Regenboog"})).status_code == 200
    cleared = await dossier.call("PATCH", at, own_admin, json={"contact_email": None})
    assert cleared.status_code == 200 and cleared.json()["contact_email"] is None

    assert await published(dossier, "dossier.school.contact_changed") == [
        {"school_brin": "90ZZ01", "school_name": "De Regenboog", "contact_email": "administratie@regenboog.example"},
        {"school_brin": "90ZZ01", "school_name": "De Regenboog", "contact_email": "vragen@regenboog.example"},
        {"school_brin": "90ZZ01", "school_name": "OBS De Regenboog", "contact_email": "vragen@regenboog.example"},
        {"school_brin": "90ZZ01", "school_name": "OBS De Regenboog", "contact_email": None},
    ]
