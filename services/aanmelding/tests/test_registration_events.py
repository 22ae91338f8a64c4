"""Every state change is an event, in the same transaction as the change: a registration that reaches its
school of first choice (dossier opens the pupil's dossier to that school; notificatie mails the
confirmation), its withdrawal, the school's decision on a priority claim, each step before the list
reaches a school, and the school's placement and tafelmiddag mark. (The lotteries: test_lottery.py.)
What a parent or school typed stays in aanmelding."""

import json
from datetime import timedelta

import pytest

SERVICE = "aanmelding"
SUBMITTED = "aanmelding.registration.submitted.v1"
WITHDRAWN = "aanmelding.registration.withdrawn.v1"
DECIDED = "aanmelding.priority_claim.decided.v1"
PROGRESSED = "aanmelding.registration.progressed.v1"
PLACED = "aanmelding.registration.placed_by_school.v1"
TAFELMIDDAG = "aanmelding.registration.tafelmiddag_marked.v1"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
SIBLING = {"kind": "sibling", "sibling_name": "Ali", "sibling_class": "2b"}


async def test_a_submitted_registration_and_its_withdrawal_are_announced_with_the_school_of_first_choice(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM)).json()["id"]

    assert await aanmelding.events(WITHDRAWN) == []
    await aanmelding.call("POST", f"/pupils/{pupil}/registration/withdrawal", aanmelding.parent(pupil))

    [submitted] = await aanmelding.events(SUBMITTED)
    [withdrawn] = await aanmelding.events(WITHDRAWN)
    for event in (submitted, withdrawn):
        assert (event["pupil_id"], event["registration_id"], event["school_brins"]) == (
            str(pupil),
            registration,
            ["94AB00"],
        )


async def test_a_registration_the_school_voids_is_announced_as_withdrawn(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM)).json()["id"]

    await aanmelding.call(
        "POST", f"/registrations/{registration}/support-refusal", aanmelding.teacher("94AB00"), json={"reason": "x"}
    )

    assert [event["registration_id"] for event in await aanmelding.events(WITHDRAWN)] == [registration]


async def test_each_decision_on_a_priority_claim_is_announced_for_the_parents(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM, priority=SIBLING)).json()["id"]
    decide = f"/registrations/{registration}/priority-decision"

    await aanmelding.call("POST", decide, aanmelding.teacher("94AB00"), json={"granted": False})
    await aanmelding.call("POST", decide, aanmelding.teacher("94AB00"), json={"granted": True})
    await aanmelding.call("POST", decide, aanmelding.teacher("94AA00"), json={"granted": False})  # not its school

    decisions = await aanmelding.events(DECIDED)
    assert [(event["granted"], event["kind"], event["school_brin"]) for event in decisions] == [
        (False, "sibling", "94AB00"),
        (True, "sibling", "94AB00"),
    ]


async def test_a_refused_step_announces_nothing(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    refused = await aanmelding.register(pupil, TO_LYCEUM[:2])

    assert refused.status_code == 422
    assert await aanmelding.events(SUBMITTED) == []


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_the_registration_reaches_the_school_when_the_primary_school_forwards_it(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    await aanmelding.register(pupil, ["93AB00-hv", "93AA00-havo", "93AD00-havo"])
    before = await aanmelding.events(SUBMITTED)

    aanmelding.clock.now += timedelta(days=14)
    await aanmelding.call("POST", f"/pupils/{pupil}/registration/forwarding", aanmelding.teacher())

    assert before == []
    assert [event["school_brins"] for event in await aanmelding.events(SUBMITTED)] == [["93AB00"]]


async def test_each_step_of_the_parents_is_announced_but_not_what_they_wrote(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me, base = aanmelding.parent(pupil), f"/pupils/{pupil}/registration"
    registration = (await aanmelding.call("POST", base, me)).json()["id"]
    await aanmelding.call("PUT", f"{base}/pupil-check", me, json={"correct": True})
    wrong = {"correct": False, "correction": "ons adres is Dorpsstraat 12, niet 21"}
    await aanmelding.call("PUT", f"{base}/contact-check", me, json=wrong)
    await aanmelding.call("PUT", f"{base}/contact-check", me, json={"correct": True})
    await aanmelding.call("PUT", f"{base}/preferences", me, json={"programs": TO_LYCEUM})
    await aanmelding.call("PUT", f"{base}/signature", me, json={"signed_by": "J. de Ouder"})
    await aanmelding.call("POST", f"{base}/submission", me)

    steps = await aanmelding.events(PROGRESSED)
    assert [event["step"] for event in steps] == [
        "started",
        "pupil_checked",
        "contact_correction_requested",
        "contact_checked",
        "ranked",
        "signed",
    ]
    assert {
        (event["registration_id"], event["primary_school_brin"], event["by_primary_school"]) for event in steps
    } == {(registration, "12AB01", False)}
    assert "Dorpsstraat" not in json.dumps(steps) and "J. de Ouder" not in json.dumps(steps)
    assert len(await aanmelding.events(SUBMITTED)) == 1  # reaching the school is its own event


async def test_resuming_a_registration_is_not_a_new_start(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    base = f"/pupils/{pupil}/registration"

    await aanmelding.call("POST", base, aanmelding.parent(pupil))
    await aanmelding.call("POST", base, aanmelding.parent(pupil))

    assert [event["step"] for event in await aanmelding.events(PROGRESSED)] == ["started"]


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_the_steps_at_the_primary_school_are_announced(aanmelding):
    pupil, other = await aanmelding.pupil_with_advice("havo"), await aanmelding.pupil_with_advice("havo")
    await aanmelding.register(pupil, ["93AB00-hv", "93AA00-havo", "93AD00-havo"])
    await aanmelding.register(other, ["93AB00-hv", "93AA00-havo", "93AD00-havo"])
    await aanmelding.call("POST", f"/pupils/{other}/registration/withdrawal", aanmelding.parent(other))
    on_paper = await aanmelding.pupil_with_advice("havo")
    paper = {"programs": ["93AD00-havo", "93AA00-havo", "93AB00-hv"], "signed_by": "M. de Ouder"}
    await aanmelding.call("POST", f"/pupils/{on_paper}/registration/paper-form", aanmelding.teacher(), json=paper)
    aanmelding.clock.now += timedelta(days=14)  # the forwarding window
    consent = {"given_by": "moeder", "how": "gesprek op school"}
    await aanmelding.call(
        "PUT",
        f"/pupils/{pupil}/registration/school-change",
        aanmelding.teacher(),
        json={"programs": ["93AA00-havo", "93AB00-hv", "93AD00-havo"], "consent": consent},
    )

    at_the_primary_school = {"submitted_to_primary_school", "withdrawn_before_forwarding", "changed_by_primary_school"}
    steps = [
        (event["pupil_id"], event["step"], event["by_primary_school"])
        for event in await aanmelding.events(PROGRESSED)
        if event["step"] in at_the_primary_school
    ]
    assert steps == [
        (str(pupil), "submitted_to_primary_school", False),
        (str(other), "submitted_to_primary_school", False),
        (str(other), "withdrawn_before_forwarding", False),
        (str(on_paper), "submitted_to_primary_school", True),
        (str(pupil), "changed_by_primary_school", True),
    ]
    assert "moeder" not in json.dumps(await aanmelding.events(PROGRESSED))
    assert await aanmelding.events(SUBMITTED) == [] and await aanmelding.events(WITHDRAWN) == []


async def test_the_schools_placement_and_tafelmiddag_mark_are_announced(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    registration = (await aanmelding.register(pupil, TO_LYCEUM)).json()["id"]
    lyceum = aanmelding.teacher("94AB00")

    await aanmelding.call("POST", f"/registrations/{registration}/placement", lyceum, json={"stream": "tto"})
    await aanmelding.call("PUT", f"/registrations/{registration}/tafelmiddag", lyceum, json={"tafelmiddag": True})
    await aanmelding.call("PUT", f"/registrations/{registration}/tafelmiddag", lyceum, json={"tafelmiddag": False})
    await aanmelding.call("POST", f"/registrations/{registration}/placement", aanmelding.teacher("94AA00"), json={})

    [placed] = await aanmelding.events(PLACED)
    assert (placed["pupil_id"], placed["registration_id"], placed["school_brin"], placed["stream"]) == (
        str(pupil),
        registration,
        "94AB00",
        "tto",
    )
    marks = await aanmelding.events(TAFELMIDDAG)
    assert [(mark["school_brin"], mark["tafelmiddag"]) for mark in marks] == [("94AB00", True), ("94AB00", False)]
