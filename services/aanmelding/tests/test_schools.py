"""The schools' side: the primary school follows its pupils by their dots and, in Zaanstad, forwards the
lists parents submit to it, changing one only with the parent's consent; the secondary school of first
choice sees the registrations made with it and decides on a priority claim."""

from datetime import timedelta

import pytest
from aanmelding_support import OTHER_PRIMARY_SCHOOL, PRIMARY_SCHOOL

SERVICE = "aanmelding"
LYCEUM, COLLEGE = "94AB00", "94AA00"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
TO_COLLEGE = ["94AA00-havo", "94AB00-hv", "94AC00-havo"]
SIBLING = {"kind": "sibling", "sibling_name": "Ali de Vries", "sibling_class": "2b"}


async def test_the_primary_school_sees_who_started_who_is_done_and_who_has_not_begun(aanmelding):
    started, done, not_begun = [await aanmelding.pupil_with_advice("havo") for _ in range(3)]
    elsewhere = await aanmelding.pupil_with_advice("havo", school=OTHER_PRIMARY_SCHOOL)
    await aanmelding.call("POST", f"/pupils/{started}/registration", aanmelding.parent(started))
    await aanmelding.register(done, TO_LYCEUM)

    pupils = await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", aanmelding.teacher())

    dots = {row["pupil_id"]: row["rounds"].get("ronde-1", {}).get("dot") for row in pupils.json()}
    assert dots == {str(started): "AG", str(done): "AV", str(not_begun): None}
    assert str(elsewhere) not in dots
    other = aanmelding.teacher(OTHER_PRIMARY_SCHOOL)
    assert (await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", other)).status_code == 404
    parent = aanmelding.parent(done)
    assert (await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", parent)).status_code == 404


async def test_the_secondary_school_sees_the_registrations_made_with_it_in_the_order_they_came(aanmelding):
    first, second, to_college, unfinished = [await aanmelding.pupil_with_advice("havo") for _ in range(4)]
    await aanmelding.register(first, TO_LYCEUM)
    aanmelding.clock.now += timedelta(hours=1)
    await aanmelding.register(second, TO_LYCEUM, priority=SIBLING)
    await aanmelding.register(to_college, TO_COLLEGE)
    await aanmelding.call("POST", f"/pupils/{unfinished}/registration", aanmelding.parent(unfinished))

    lyceum = await aanmelding.call("GET", f"/schools/{LYCEUM}/registrations", aanmelding.teacher(LYCEUM))

    assert [row["pupil_id"] for row in lyceum.json()] == [str(first), str(second)]
    assert [choice["program"] for choice in lyceum.json()[1]["preferences"]] == TO_LYCEUM
    assert lyceum.json()[1]["priority"]["sibling_name"] == "Ali de Vries"
    await aanmelding.call("POST", f"/pupils/{first}/registration/withdrawal", aanmelding.parent(first))
    after = await aanmelding.call("GET", f"/schools/{LYCEUM}/registrations", aanmelding.teacher(LYCEUM))
    assert [row["pupil_id"] for row in after.json()] == [str(second)]  # withdrawn: gone from the overview


async def test_the_school_of_first_choice_grants_or_rejects_a_priority_claim_until_the_lottery(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM, priority=SIBLING)).json()["id"]
    decide = f"/registrations/{registration}/priority-decision"

    rejected = await aanmelding.call("POST", decide, aanmelding.teacher(LYCEUM), json={"granted": False})
    granted = await aanmelding.call("POST", decide, aanmelding.teacher(LYCEUM), json={"granted": True})

    assert rejected.json()["priority_decision"] == "rejected" and granted.json()["priority_decision"] == "granted"
    assert (
        await aanmelding.call("POST", decide, aanmelding.teacher(COLLEGE), json={"granted": True})
    ).status_code == 404
    assert (await aanmelding.call("POST", decide, aanmelding.teacher(), json={"granted": True})).status_code == 404
    board = aanmelding.token("board_contact", board="B1", schools=[LYCEUM])
    assert (await aanmelding.call("POST", decide, board, json={"granted": False})).status_code == 403
    aanmelding.clock.now += timedelta(days=130)  # after the round's lottery
    late = await aanmelding.call("POST", decide, aanmelding.teacher(LYCEUM), json={"granted": False})
    assert late.status_code == 409 and "lottery" in late.json()["detail"]


async def test_no_decision_where_no_priority_was_claimed(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM)).json()["id"]

    refused = await aanmelding.call(
        "POST", f"/registrations/{registration}/priority-decision", aanmelding.teacher(LYCEUM), json={"granted": True}
    )

    assert refused.status_code == 409


async def test_outside_zaanstad_the_primary_school_forwards_nothing(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    await aanmelding.register(pupil, TO_LYCEUM)

    refused = await aanmelding.call("POST", f"/pupils/{pupil}/registration/forwarding", aanmelding.teacher())

    assert refused.status_code == 409 and "parent submits to the secondary school" in refused.json()["detail"]


ZAANSTAD_HAVO = ["93AB00-hv", "93AA00-havo", "93AD00-havo"]


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_the_list_reaches_the_secondary_school_when_the_primary_school_forwards_it(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    await aanmelding.register(pupil, ZAANSTAD_HAVO)
    lyceum = aanmelding.teacher("93AB00")

    before = await aanmelding.call("GET", "/schools/93AB00/registrations", lyceum)
    aanmelding.clock.now += timedelta(days=14)  # the forwarding window: 22 to 31 March
    forwarded = await aanmelding.call("POST", f"/pupils/{pupil}/registration/forwarding", aanmelding.teacher())
    after = await aanmelding.call("GET", "/schools/93AB00/registrations", lyceum)
    withdraw = await aanmelding.call("POST", f"/pupils/{pupil}/registration/withdrawal", aanmelding.parent(pupil))

    assert before.json() == []
    assert forwarded.json()["state"] == "forwarded" and forwarded.json()["forwarded_at"] is not None
    assert [row["pupil_id"] for row in after.json()] == [str(pupil)]
    assert withdraw.status_code == 409  # forwarded: the parent can no longer withdraw it


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_a_buitenleerlings_list_reaches_the_secondary_school_at_once(aanmelding):
    """Its primary school is outside the region, not in Loket, and cannot forward it."""
    pupil = await aanmelding.pupil_with_advice("havo", school="09XY00", elk_number="B10001")

    submitted = await aanmelding.register(pupil, ZAANSTAD_HAVO)

    assert submitted.json()["state"] == "forwarded" and submitted.json()["forwarded_at"] is not None
    received = await aanmelding.call("GET", "/schools/93AB00/registrations", aanmelding.teacher("93AB00"))
    assert [row["pupil_id"] for row in received.json()] == [str(pupil)]
    [event] = await aanmelding.events("aanmelding.registration.submitted.v1")
    assert (event["pupil_id"], event["school_brins"]) == (str(pupil), ["93AB00"])
    neighbour = await aanmelding.pupil_with_advice("havo", elk_number="10002")  # from a Zaanstad school: waits
    assert (await aanmelding.register(neighbour, ZAANSTAD_HAVO)).json()["state"] == "submitted"


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_the_primary_school_changes_a_list_only_with_the_parents_consent(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    await aanmelding.register(pupil, ZAANSTAD_HAVO)
    change = f"/pupils/{pupil}/registration/school-change"
    reordered = {"programs": ["93AA00-havo", "93AB00-hv", "93AD00-havo"]}
    aanmelding.clock.now += timedelta(days=14)  # the forwarding window

    without = await aanmelding.call("PUT", change, aanmelding.teacher(), json=reordered)
    unchanged = await aanmelding.call("GET", f"/pupils/{pupil}/registration", aanmelding.teacher())
    consented = await aanmelding.call(
        "PUT", change, aanmelding.teacher(), json={**reordered, "consent": {"given_by": "moeder", "how": "gesprek"}}
    )

    assert without.status_code == 422 and without.json()["detail"][0]["loc"] == ["body", "consent"]
    assert [c["program"] for c in unchanged.json()["current"]["preferences"]] == ZAANSTAD_HAVO
    assert [c["program"] for c in consented.json()["preferences"]] == reordered["programs"]
    [recorded] = consented.json()["school_changes"]
    assert (recorded["consent_given_by"], recorded["before"]) == ("moeder", ZAANSTAD_HAVO)
    other = aanmelding.teacher(OTHER_PRIMARY_SCHOOL)
    consent = {"consent": {"given_by": "vader", "how": "telefoon"}}
    assert (await aanmelding.call("PUT", change, other, json={**reordered, **consent})).status_code == 404


async def test_the_primary_school_enters_the_paper_form_for_parents_who_cannot_register_online(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    form = {"programs": TO_LYCEUM, "signed_by": "M. de Ouder", "priority": SIBLING}

    unsigned = await aanmelding.call(
        "POST", f"/pupils/{pupil}/registration/paper-form", aanmelding.teacher(), json={**form, "signed_by": ""}
    )
    too_short = await aanmelding.call(
        "POST",
        f"/pupils/{pupil}/registration/paper-form",
        aanmelding.teacher(),
        json={**form, "programs": TO_LYCEUM[:2]},
    )
    entered = await aanmelding.call("POST", f"/pupils/{pupil}/registration/paper-form", aanmelding.teacher(), json=form)
    again = await aanmelding.call("POST", f"/pupils/{pupil}/registration/paper-form", aanmelding.teacher(), json=form)

    assert unsigned.status_code == 422 and too_short.status_code == 422
    assert (entered.json()["state"], entered.json()["paper_form"], entered.json()["missing"]) == ("submitted", True, [])
    assert entered.json()["goes_to"] == LYCEUM and again.status_code == 409
    parent = aanmelding.parent(pupil)  # the parents' own way is online; the school's route is not theirs
    assert (
        await aanmelding.call("POST", f"/pupils/{pupil}/registration/paper-form", parent, json=form)
    ).status_code == 404
    other = aanmelding.teacher(OTHER_PRIMARY_SCHOOL)
    assert (
        await aanmelding.call("POST", f"/pupils/{pupil}/registration/paper-form", other, json=form)
    ).status_code == 404


async def test_the_secondary_school_pages_sorts_and_filters_its_registrations(aanmelding):
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(3)]
    for number, pupil in enumerate(pupils):
        aanmelding.clock.now += timedelta(minutes=number)
        claims = {"priority": SIBLING} if number == 1 else {}
        assert (await aanmelding.register(pupil, TO_LYCEUM, **claims)).status_code == 200
    teacher = aanmelding.teacher(LYCEUM)
    path = f"/schools/{LYCEUM}/registrations"

    first = await aanmelding.call("GET", path, teacher, params={"limit": 2})
    second = await aanmelding.call("GET", path, teacher, params={"limit": 2, "offset": 2})
    newest = await aanmelding.call("GET", path, teacher, params={"limit": 1, "sort": "-received"})
    claimed = await aanmelding.call("GET", path, teacher, params={"limit": 5, "sort": "priority"})
    whole = await aanmelding.call("GET", path, teacher)

    assert first.headers["X-Total-Count"] == "3" and len(first.json()) == 2
    assert [row["pupil_id"] for row in first.json() + second.json()] == [str(pupil) for pupil in pupils]
    assert newest.json()[0]["pupil_id"] == str(pupils[-1])
    assert claimed.json()[0]["pupil_id"] == str(pupils[1])
    assert [row["pupil_id"] for row in whole.json()] == [str(pupil) for pupil in pupils]
    registration = first.json()[0]["id"]
    await aanmelding.call("POST", f"/registrations/{registration}/placement", teacher, json={"stream": "tto"})
    placed = await aanmelding.call("GET", path, teacher, params={"placed": "true", "limit": 10})
    waiting = await aanmelding.call("GET", path, teacher, params={"placed": "false", "limit": 10})
    assert [row["id"] for row in placed.json()] == [registration] and waiting.headers["X-Total-Count"] == "2"
    other_program = await aanmelding.call("GET", path, teacher, params={"program": "94AA00-havo"})
    this_round = await aanmelding.call("GET", path, teacher, params={"round": "ronde-1"})
    assert other_program.json() == [] and len(this_round.json()) == 3
    refused = await aanmelding.call("GET", path, teacher, params={"sort": "name"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "unknown_sort"


async def test_a_priority_decision_keeps_the_schools_reason(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM, priority=SIBLING)).json()["id"]

    decided = await aanmelding.call(
        "POST",
        f"/registrations/{registration}/priority-decision",
        aanmelding.teacher(LYCEUM),
        json={"granted": False, "reason": "  No brother or sister at the school this year. "},
    )

    assert decided.json()["priority_decision"] == "rejected"
    assert decided.json()["priority_reason"] == "No brother or sister at the school this year."


async def test_the_secondary_school_reads_one_registration_it_received_and_no_other(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM, priority=SIBLING)).json()["id"]
    path = f"/registrations/{registration}"

    read = await aanmelding.call("GET", path, aanmelding.teacher(LYCEUM))

    assert read.status_code == 200 and read.json()["pupil_id"] == str(pupil)
    assert (await aanmelding.call("GET", path, aanmelding.teacher(COLLEGE))).status_code == 404
    assert (await aanmelding.call("GET", path, aanmelding.parent(pupil))).status_code == 404
