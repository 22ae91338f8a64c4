"""Sharing with the secondary school: it reads the dossier of a pupil registered with it, and only while
the registration stands (aanmelding's events, through the inbox); it sees the notes meant for it and not
the primary school's own; it asks the primary school for more information (an event without the text).
The primary school notes things and says why a pupil will not be placed."""

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from dossier_support import SECONDARY_SCHOOL, Dossier, registered_with, world
from loket_test_support import deliver
from sqlalchemy import select

from loket.contracts.envelope import new_envelope
from loket.contracts.events import RegistrationSubmitted, RegistrationWithdrawn
from loket.dossier.persistence.models import messaging

SERVICE = "dossier"

OTHER_SECONDARY = "78GH01"


async def reads(dossier: Dossier, pupil: str, headers: dict[str, str]) -> list[int]:
    paths = ["", "/oki-doc", "/notes", "/information-requests"]
    return [(await dossier.call("GET", f"/pupils/{pupil}{path}", headers)).status_code for path in paths]


async def test_a_secondary_school_reads_a_registered_pupil_without_the_primary_schools_own_parts(dossier: Dossier):
    the_world = await world(dossier, noor_bsn="999990019")
    vo = dossier.school_user(SECONDARY_SCHOOL, subject="vo-mentor")
    teacher = dossier.school_user(groups=("8a",))
    for text, visibility in [("Alleen voor ons", "own_organisation"), ("Voor het VO", "secondary_school")]:
        note = {"text": text, "visibility": visibility}
        assert (await dossier.call("POST", f"/pupils/{the_world.noor}/notes", teacher, json=note)).status_code == 201

    pupil = (await dossier.call("GET", f"/pupils/{the_world.noor}", vo)).json()
    oki_doc = (await dossier.call("GET", f"/pupils/{the_world.noor}/oki-doc", vo)).json()
    notes = (await dossier.call("GET", f"/pupils/{the_world.noor}/notes", vo)).json()

    assert pupil["given_name"] == "Noor" and pupil["bsn"] is None and pupil["parent_logins"] == []
    assert oki_doc["pupil"]["given_name"] == "Noor" and oki_doc["missing"] is None
    assert [note["text"] for note in notes] == ["Voor het VO"]
    own_notes = (await dossier.call("GET", f"/pupils/{the_world.noor}/notes", teacher)).json()
    assert [note["text"] for note in own_notes] == ["Alleen voor ons", "Voor het VO"]
    assert await reads(dossier, the_world.sem, vo) == [404] * 4  # not registered there
    assert await reads(dossier, the_world.noor, dossier.school_admin(OTHER_SECONDARY)) == [404] * 4
    trail = (await dossier.call("GET", f"/pupils/{the_world.noor}/audit", dossier.school_admin())).json()
    by_vo = [(entry["action"], entry["detail"]) for entry in trail if entry["actor"] == "vo-mentor"]
    assert by_vo == [
        ("dossier.read", {"secondary_school": SECONDARY_SCHOOL}),
        ("dossier.read", {"secondary_school": SECONDARY_SCHOOL}),
        ("notes.read", {"secondary_school": SECONDARY_SCHOOL}),
    ]


async def test_withdrawing_the_registration_ends_the_reading_and_events_count_once_and_in_order(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    registration = await registered_with(dossier, the_world.sem, SECONDARY_SCHOOL, OTHER_SECONDARY)
    assert await reads(dossier, the_world.sem, vo) == [200] * 4
    now = datetime.now(UTC)
    sem = UUID(the_world.sem)

    def withdrawn(at: datetime) -> tuple[RegistrationWithdrawn, object]:
        event = RegistrationWithdrawn(
            pupil_id=sem,
            registration_id=registration,
            school_brins=(SECONDARY_SCHOOL, OTHER_SECONDARY),
            withdrawn_at=at,
        )
        return event, new_envelope(event, region="demo").model_copy(update={"occurred_at": at})

    event, envelope = withdrawn(now + timedelta(minutes=5))
    assert await deliver(dossier.runtime, event, envelope) is True
    assert await deliver(dossier.runtime, event, envelope) is False  # the inbox knows it
    assert await reads(dossier, the_world.sem, vo) == [404] * 4
    late = RegistrationSubmitted(
        pupil_id=sem, registration_id=registration, school_brins=(SECONDARY_SCHOOL,), submitted_at=now
    )
    late_envelope = new_envelope(late, region="demo").model_copy(update={"occurred_at": now + timedelta(minutes=1)})
    await deliver(dossier.runtime, late, late_envelope)  # older than the withdrawal: changes nothing
    assert await reads(dossier, the_world.sem, vo) == [404] * 4

    again = await registered_with(dossier, the_world.sem, OTHER_SECONDARY)  # a new registration elsewhere
    assert await reads(dossier, the_world.sem, dossier.school_admin(OTHER_SECONDARY)) == [200] * 4
    moved = RegistrationSubmitted(
        pupil_id=sem, registration_id=again, school_brins=(SECONDARY_SCHOOL,), submitted_at=datetime.now(UTC)
    )
    assert await deliver(dossier.runtime, moved)  # a newer list replaces the old one
    assert await reads(dossier, the_world.sem, dossier.school_admin(OTHER_SECONDARY)) == [404] * 4
    assert await reads(dossier, the_world.sem, vo) == [200] * 4
    unknown = RegistrationSubmitted(
        pupil_id=uuid4(), registration_id=uuid4(), school_brins=(SECONDARY_SCHOOL,), submitted_at=datetime.now(UTC)
    )
    assert await deliver(dossier.runtime, unknown)  # not a pupil of this dossier: nothing to do
    odd = RegistrationSubmitted(
        pupil_id=sem, registration_id=uuid4(), school_brins=("not a BRIN", "90ZZ01"), submitted_at=datetime.now(UTC)
    )
    assert await deliver(dossier.runtime, odd)  # the one school it can read is taken, the other left out
    assert await reads(dossier, the_world.sem, dossier.school_admin("90ZZ01")) == [200] * 4


async def test_the_secondary_school_asks_for_more_information_and_the_text_stays_in_dossier(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_user(SECONDARY_SCHOOL, subject="vo-mentor")
    question = "Hoe gaat het met de rekenvaardigheid van deze leerling?"

    asked = await dossier.call("POST", f"/pupils/{the_world.noor}/information-requests", vo, json={"message": question})

    assert asked.status_code == 201
    body = asked.json()
    assert (body["from_school_brin"], body["to_school_brin"], body["message"]) == (SECONDARY_SCHOOL, "12AB01", question)
    empty = await dossier.call("POST", f"/pupils/{the_world.noor}/information-requests", vo, json={"message": "  "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "message"]
    async with dossier.runtime.database.transaction() as session:
        outbox = (await session.execute(select(messaging.outbox.c.routing_key, messaging.outbox.c.body))).all()
    bodies = [body if isinstance(body, dict) else json.loads(body) for _, body in outbox]
    events = [body for (key, _), body in zip(outbox, bodies, strict=True) if key == "dossier.information.requested.v1"]
    assert [event["payload"] for event in events] == [
        {
            "request_id": body["id"],
            "pupil_id": the_world.noor,
            "from_school_brin": SECONDARY_SCHOOL,
            "to_school_brin": "12AB01",
        }
    ]
    assert question not in str(outbox)
    primary = await dossier.call("GET", f"/pupils/{the_world.noor}/information-requests", dossier.school_admin())
    assert [q["message"] for q in primary.json()] == [question]
    elsewhere = dossier.school_admin(OTHER_SECONDARY)
    await registered_with(dossier, the_world.noor, OTHER_SECONDARY)
    theirs = await dossier.call("GET", f"/pupils/{the_world.noor}/information-requests", elsewhere)
    assert theirs.json() == []  # another secondary school does not see this one's questions


async def test_the_primary_school_says_why_a_pupil_is_not_placed_and_can_clear_it(dossier: Dossier):
    the_world = await world(dossier)
    admin = dossier.school_admin()
    path = f"/pupils/{the_world.noor}/not-placing-reason"

    moved = await dossier.call("PUT", path, admin, json={"reason": "repeating_groep_8"})
    assert moved.status_code == 200 and moved.json()["not_placing_reason"] == "repeating_groep_8"
    vo = await dossier.call("GET", f"/pupils/{the_world.noor}", dossier.school_admin(SECONDARY_SCHOOL))
    assert vo.json()["not_placing_reason"] == "repeating_groep_8"
    wrong = await dossier.call("PUT", path, admin, json={"reason": "on holiday"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "reason"]
    cleared = await dossier.call("PUT", path, admin, json={"reason": None})
    assert cleared.json()["not_placing_reason"] is None
    trail = (await dossier.call("GET", f"/pupils/{the_world.noor}/audit", admin)).json()
    assert [e["detail"] for e in trail if e["action"] == "not_placing.set"] == [
        {"reason": "repeating_groep_8"},
        {"reason": None},
    ]


async def test_a_secondary_school_lists_the_pupils_registered_with_it_while_registered(dossier: Dossier):
    the_world = await world(dossier)
    vo = dossier.school_admin(SECONDARY_SCHOOL)
    registration = await registered_with(dossier, the_world.sem, SECONDARY_SCHOOL)

    listed = (await dossier.call("GET", f"/schools/{SECONDARY_SCHOOL}/registered-pupils", vo)).json()

    assert [(p["given_name"], p["primary_school_brin"]) for p in listed] == [("Sem", "12AB01"), ("Noor", "12AB01")]
    assert all(
        set(p) == {"id", "elk_number", "given_name", "family_name", "primary_school_brin", "registered_since"}
        for p in listed
    )
    path = f"/schools/{SECONDARY_SCHOOL}/registered-pupils"
    asked = await dossier.call("GET", path, vo, params={"pupil": [the_world.sem, the_world.daan]})
    assert [p["given_name"] for p in asked.json()] == ["Sem"]  # a page's pupils only, and only those registered
    withdrawn = RegistrationWithdrawn(
        pupil_id=UUID(the_world.sem),
        registration_id=registration,
        school_brins=(SECONDARY_SCHOOL,),
        withdrawn_at=datetime.now(UTC),
    )
    await deliver(dossier.runtime, withdrawn)
    listed = (await dossier.call("GET", f"/schools/{SECONDARY_SCHOOL}/registered-pupils", vo)).json()
    assert [p["given_name"] for p in listed] == ["Noor"]
    others = await dossier.call("GET", f"/schools/{OTHER_SECONDARY}/registered-pupils", vo)
    assert others.status_code == 404
