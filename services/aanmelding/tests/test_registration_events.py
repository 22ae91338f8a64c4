"""Every state change that others build on is an event, in the same transaction as the change: a
registration that reaches its school of first choice (dossier opens the pupil's dossier to that school;
notificatie mails the confirmation), its withdrawal, and the school's decision on a priority claim."""

from datetime import timedelta

import pytest

SERVICE = "aanmelding"
SUBMITTED = "aanmelding.registration.submitted.v1"
WITHDRAWN = "aanmelding.registration.withdrawn.v1"
DECIDED = "aanmelding.priority_claim.decided.v1"
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
