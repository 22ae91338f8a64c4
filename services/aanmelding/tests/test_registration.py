"""A parent registers a pupil through the API a portal calls, with the steps of the seeds: check the pupil's
details, check the contact details, rank the programs (with the claims of the first choice), sign,
submit. A parent may stop and resume; bad input is refused saying where, and changes nothing.

The demo region: a havo advice ranks exactly 3 programs, a vmbo-k advice 2."""

from datetime import timedelta

import pytest
from aanmelding_support import OTHER_PRIMARY_SCHOOL, PRIMARY_SCHOOL

SERVICE = "aanmelding"
HAVO_LIST = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]


def path(pupil, step: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/pupils/{pupil}/registration{step}"


async def test_a_parent_takes_every_step_and_the_registration_goes_to_the_school_of_first_choice(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)

    started = await aanmelding.call("POST", path(pupil), me)
    assert started.status_code == 201 and started.json()["dot"] == "AG"
    assert started.json()["missing"] == ["pupil_checked", "contact_checked", "preferences", "signed"]

    submitted = await aanmelding.register(
        pupil, HAVO_LIST, priority={"kind": "sibling", "sibling_name": "Ali", "sibling_class": "2b"}
    )

    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert (body["state"], body["dot"], body["missing"]) == ("submitted", "AV", [])
    assert [choice["program"] for choice in body["preferences"]] == HAVO_LIST
    assert body["goes_to"] == "94AB00" and body["priority"]["kind"] == "sibling"
    seen_by_school = await aanmelding.call("GET", path(pupil), aanmelding.teacher())
    assert seen_by_school.json()["current"]["dot"] == "AV"


async def test_a_parent_stops_after_ranking_and_resumes_later_where_it_stopped(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    first = await aanmelding.call("POST", path(pupil), me)
    await aanmelding.call("PUT", path(pupil, "/preferences"), me, json={"programs": HAVO_LIST})

    aanmelding.clock.now += timedelta(days=2)
    resumed = await aanmelding.call("POST", path(pupil), me)
    read = await aanmelding.call("GET", path(pupil), me)

    assert resumed.status_code == 200 and resumed.json()["id"] == first.json()["id"]
    assert read.json()["current"]["missing"] == ["pupil_checked", "contact_checked", "signed"]
    assert [choice["program"] for choice in read.json()["current"]["preferences"]] == HAVO_LIST


async def test_no_registration_before_the_final_advice(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    unknown = aanmelding.parent(pupil_without_advice := pupil.__class__(int=pupil.int + 1))

    refused = await aanmelding.call("POST", path(pupil_without_advice), unknown)

    assert refused.status_code == 409 and "final advice" in refused.json()["detail"]
    assert (await aanmelding.call("GET", path(pupil_without_advice), unknown)).json()["current"] is None


@pytest.mark.parametrize(
    ("moment", "says"),
    [(timedelta(days=-200), "opens on 01-09-2026 08:00"), (timedelta(days=140), "windows of this procedure are over")],
)
async def test_no_registration_outside_the_window(aanmelding, moment, says):
    pupil = await aanmelding.pupil_with_advice("havo")
    aanmelding.clock.now += moment

    refused = await aanmelding.call("POST", path(pupil), aanmelding.parent(pupil))

    assert refused.status_code == 409 and says in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        ({"programs": HAVO_LIST[:2]}, ["body", "preferences"], "asks for 3 choices, not 2"),
        ({"programs": [*HAVO_LIST, "94AA00-vwo"]}, ["body", "preferences", 3], "does not fit the advice havo"),
        ({"programs": ["94AB00-hv", "94AB00-hv", "94AC00-havo"]}, ["body", "preferences", 1], "on the list twice"),
        ({"programs": ["94ZZ00-havo", *HAVO_LIST[1:]]}, ["body", "preferences", 0], "is not a program"),
        (
            {"programs": HAVO_LIST, "priority": {"kind": "staff_child", "at": "94AC00-havo"}},
            ["body", "priority", "at"],
            "only at the first choice (94AB00-hv), not at 94AC00-havo (choice 3)",
        ),
        ({"programs": HAVO_LIST, "priority": {"kind": "sibling"}}, ["body", "priority", "sibling_name"], "name"),
        (
            {"programs": HAVO_LIST, "multiple_birth": {"is_multiple": True, "registering_together": True}},
            ["body", "multiple_birth", "sibling_elk_number"],
            "ELK number",
        ),
        (
            {
                "programs": HAVO_LIST,
                "multiple_birth": {"is_multiple": True, "registering_together": True, "sibling_elk_number": "99999"},
            },
            ["body", "multiple_birth", "sibling_elk_number"],
            "no pupil in the region has ELK number 99999",
        ),
    ],
)
async def test_a_list_that_breaks_the_rules_is_refused_saying_where_and_changes_nothing(aanmelding, body, loc, says):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.call("POST", path(pupil), me)

    refused = await aanmelding.call("PUT", path(pupil, "/preferences"), me, json=body)

    assert refused.status_code == 422
    [problem] = [problem for problem in refused.json()["detail"] if problem["loc"] == loc]
    assert says in problem["msg"]
    assert (await aanmelding.call("GET", path(pupil), me)).json()["current"]["preferences"] == []


async def test_a_pupil_with_a_vmbo_k_advice_ranks_two_and_a_pro_advice_chooses_one_school(aanmelding):
    vmbo = await aanmelding.pupil_with_advice("vmbo_k")
    pro = await aanmelding.pupil_with_advice("pro")

    assert (await aanmelding.register(vmbo, ["94AA00-bk", "94AD00-pro"])).status_code == 422
    assert (await aanmelding.register(pro, ["94AD00-pro", "94AA00-bk"])).status_code == 422
    assert (await aanmelding.register(pro, ["94AD00-pro"])).json()["state"] == "submitted"


async def test_wrong_details_go_to_the_primary_school_and_a_change_there_asks_for_a_new_check(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.call("POST", path(pupil), me)

    unsaid = await aanmelding.call("PUT", path(pupil, "/contact-check"), me, json={"correct": False})
    wrong = await aanmelding.call(
        "PUT", path(pupil, "/contact-check"), me, json={"correct": False, "correction": "Wij wonen op Dorpsstraat 4"}
    )
    assert unsaid.status_code == 422 and unsaid.json()["detail"][0]["loc"] == ["body", "correction"]
    assert wrong.json()["contact_correction"] == "Wij wonen op Dorpsstraat 4"
    assert "contact_checked" in wrong.json()["missing"]

    await aanmelding.call("PUT", path(pupil, "/pupil-check"), me, json={"correct": True})
    await aanmelding.details_changed(pupil)  # the school corrected the address: the form is prepared again
    after = (await aanmelding.call("GET", path(pupil), me)).json()

    assert after["readiness"] == "form_outdated"
    assert {"pupil_checked", "contact_checked"} <= set(after["current"]["missing"])


async def test_a_changed_list_needs_a_new_signature(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.register(pupil, HAVO_LIST)  # submitted
    await aanmelding.call("POST", path(pupil, "/withdrawal"), me)
    await aanmelding.call("POST", path(pupil), me)

    aanmelding.clock.now += timedelta(minutes=5)
    await aanmelding.call("PUT", path(pupil, "/preferences"), me, json={"programs": list(reversed(HAVO_LIST))})
    refused = await aanmelding.call("POST", path(pupil, "/submission"), me)

    assert refused.status_code == 409 and "signed" in refused.json()["detail"]


async def test_a_parent_withdraws_and_registers_again_and_the_first_one_is_kept(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.register(pupil, HAVO_LIST)

    withdrawn = await aanmelding.call("POST", path(pupil, "/withdrawal"), me)
    again = await aanmelding.call("POST", path(pupil), me)

    assert withdrawn.status_code == 200 and withdrawn.json()["current"] is None
    assert [earlier["state"] for earlier in withdrawn.json()["history"]] == ["withdrawn"]
    assert again.status_code == 201 and again.json()["state"] == "in_progress"
    assert [choice["program"] for choice in again.json()["preferences"]] == HAVO_LIST  # to check and sign again
    assert "signed" in again.json()["missing"]
    resubmitted = await aanmelding.register(pupil, ["94AA00-havo", "94AB00-hv", "94AC00-havo"])
    history = (await aanmelding.call("GET", path(pupil), me)).json()
    assert resubmitted.json()["goes_to"] == "94AA00" and len(history["history"]) == 1


async def test_a_submitted_registration_cannot_be_changed_only_withdrawn_and_not_after_the_window(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.register(pupil, HAVO_LIST)

    changed = await aanmelding.call("PUT", path(pupil, "/preferences"), me, json={"programs": HAVO_LIST})
    aanmelding.clock.now += timedelta(days=140)
    late = await aanmelding.call("POST", path(pupil, "/withdrawal"), me)

    assert changed.status_code == 409 and "withdraw it and register again" in changed.json()["detail"]
    assert late.status_code == 409 and (await aanmelding.call("GET", path(pupil), me)).json()["current"]["dot"] == "AV"


async def test_a_list_made_under_an_older_advice_is_checked_again_at_submission(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.call("POST", path(pupil), me)
    for step in ("/pupil-check", "/contact-check"):
        await aanmelding.call("PUT", path(pupil, step), me, json={"correct": True})
    await aanmelding.call("PUT", path(pupil, "/preferences"), me, json={"programs": HAVO_LIST})
    await aanmelding.call("PUT", path(pupil, "/signature"), me, json={"signed_by": "J. de Ouder"})
    from loket.contracts.events import FinalAdviceGiven

    await aanmelding.event(FinalAdviceGiven(pupil_id=pupil, school_brin=PRIMARY_SCHOOL, advice="vmbo_gt"))
    refused = await aanmelding.call("POST", path(pupil, "/submission"), me)

    assert refused.status_code == 422 and "does not fit the advice vmbo_gt" in refused.text


async def test_only_the_parent_registers_and_others_see_only_what_they_reach(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    other_parent = aanmelding.parent(pupil.__class__(int=pupil.int + 7))

    assert (await aanmelding.call("POST", path(pupil), other_parent)).status_code == 404
    assert (await aanmelding.call("GET", path(pupil), other_parent)).status_code == 404
    assert (await aanmelding.call("POST", path(pupil), aanmelding.teacher())).status_code == 403
    assert (await aanmelding.call("GET", path(pupil), aanmelding.teacher(OTHER_PRIMARY_SCHOOL))).status_code == 404
    assert (await aanmelding.call("GET", path(pupil), aanmelding.token("region_admin"))).status_code == 200
    assert (await aanmelding.call("GET", path(pupil), {})).status_code == 401


@pytest.mark.parametrize("region", ["zaanstad"])
async def test_in_zaanstad_a_parent_ranks_every_school_that_fits_and_submits_to_the_primary_school(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")

    short = await aanmelding.register(pupil, ["93AB00-hv", "93AA00-havo"])
    every = await aanmelding.register(pupil, ["93AB00-hv", "93AA00-havo", "93AD00-havo"])

    assert short.status_code == 422
    [problem] = short.json()["detail"]
    assert problem["msg"] == "rank every school that fits the advice; missing: Wormer Mavo"
    assert every.json()["state"] == "submitted" and every.json()["goes_to"] == "primary_school"


@pytest.mark.parametrize(
    ("body", "loc", "code", "ctx"),
    [
        (
            {"programs": HAVO_LIST[:2]},
            ["body", "preferences"],
            "list_too_short",
            {"min": 3, "max": 3, "count": 2, "advice": "havo"},
        ),
        (
            {"programs": [*HAVO_LIST, "94AB00-havo"]},
            ["body", "preferences"],
            "list_too_long",
            {"min": 3, "max": 3, "count": 4, "advice": "havo"},
        ),
        (
            {"programs": [*HAVO_LIST[:2], "94AA00-vwo"]},
            ["body", "preferences", 2],
            "program_not_fitting_advice",
            {"program": "94AA00-vwo", "program_name": "vwo", "school_name": "Demo College", "advice": "havo"},
        ),
        (
            {"programs": ["94AB00-hv", "94AB00-hv", "94AC00-havo"]},
            ["body", "preferences", 1],
            "program_twice",
            None,
        ),
        ({"programs": ["94ZZ00-havo", *HAVO_LIST[1:]]}, ["body", "preferences", 0], "program_unknown", None),
        (
            {"programs": HAVO_LIST, "priority": {"kind": "staff_child", "at": "94AC00-havo"}},
            ["body", "priority", "at"],
            "priority_not_at_first_choice",
            {"first_choice": "94AB00-hv", "at": "94AC00-havo", "place": 3},
        ),
        (
            {"programs": HAVO_LIST, "priority": {"kind": "sibling"}},
            ["body", "priority", "sibling_name"],
            "sibling_missing",
            {},
        ),
        (
            {"programs": HAVO_LIST, "multiple_birth": {"registering_together": True, "sibling_elk_number": "1"}},
            ["body", "multiple_birth", "registering_together"],
            "not_a_multiple_birth",
            {},
        ),
        (
            {
                "programs": HAVO_LIST,
                "multiple_birth": {"is_multiple": True, "registering_together": True, "sibling_elk_number": "99999"},
            },
            ["body", "multiple_birth", "sibling_elk_number"],
            "sibling_elk_number_unknown",
            {"elk_number": "99999"},
        ),
    ],
)
async def test_each_problem_with_a_list_has_a_stable_code_with_the_values_its_sentence_needs(
    aanmelding, body, loc, code, ctx
):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    await aanmelding.call("POST", path(pupil), me)

    refused = await aanmelding.call("PUT", path(pupil, "/preferences"), me, json=body)

    assert refused.status_code == 422, refused.text
    [problem] = [problem for problem in refused.json()["detail"] if problem["loc"] == loc]
    assert problem["type"] == code and problem["msg"]
    if ctx is not None:
        assert problem["ctx"] == ctx


async def test_a_step_refused_now_says_why_with_a_stable_code(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    me = aanmelding.parent(pupil)
    without_advice = pupil.__class__(int=pupil.int + 1)

    def coded(response):  # type: ignore[no-untyped-def]
        return response.status_code, response.json()["code"]

    assert coded(await aanmelding.call("POST", path(without_advice), aanmelding.parent(without_advice))) == (
        409,
        "waiting_for_advice",
    )
    assert coded(await aanmelding.call("PUT", path(pupil, "/signature"), me, json={"signed_by": "J. de Ouder"})) == (
        409,
        "not_started",
    )
    unsaid = await aanmelding.call("PUT", path(pupil, "/pupil-check"), me, json={"correct": False})
    assert unsaid.json()["detail"][0]["type"] == "correction_missing"
    await aanmelding.call("POST", path(pupil), me)
    assert coded(await aanmelding.call("PUT", path(pupil, "/signature"), me, json={"signed_by": "J. de Ouder"})) == (
        409,
        "preferences_missing",
    )
    early = await aanmelding.call("POST", path(pupil, "/submission"), me)
    assert coded(early) == (409, "steps_missing")
    assert early.json()["ctx"] == {"missing": ["pupil_checked", "contact_checked", "preferences", "signed"]}
    assert coded(await aanmelding.call("POST", path(pupil, "/withdrawal"), me)) == (409, "not_submitted")
    assert (await aanmelding.call("POST", path(pupil, "/withdrawal"), me)).json()["ctx"] == {"state": "in_progress"}
    await aanmelding.register(pupil, HAVO_LIST)
    assert coded(await aanmelding.call("PUT", path(pupil, "/preferences"), me, json={"programs": HAVO_LIST})) == (
        409,
        "already_submitted",
    )
    assert coded(await aanmelding.call("POST", path(pupil), aanmelding.teacher())) == (403, "parent_only")
    other = aanmelding.parent(pupil.__class__(int=pupil.int + 7))
    assert coded(await aanmelding.call("GET", path(pupil), other)) == (404, "pupil_not_found")

    aanmelding.clock.now += timedelta(days=140)
    late = await aanmelding.call("POST", path(pupil, "/withdrawal"), me)
    assert coded(late) == (409, "window_closed")
    assert late.json()["ctx"]["closes"] == "2027-06-30T17:00:00+02:00"
    other_pupil = await aanmelding.pupil_with_advice("havo")
    assert coded(await aanmelding.call("POST", path(other_pupil), aanmelding.parent(other_pupil))) == (
        409,
        "procedure_over",
    )


async def test_before_the_window_the_refusal_names_the_round_and_when_it_opens(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo")
    aanmelding.clock.now -= timedelta(days=200)

    refused = await aanmelding.call("POST", path(pupil), aanmelding.parent(pupil))

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "the registration of 1e ronde opens on 01-09-2026 08:00 and closes on 30-06-2027 17:00",
        "code": "window_not_open",
        "ctx": {
            "round": "ronde-1",
            "round_name": "1e ronde",
            "opens": "2026-09-01T08:00:00+02:00",
            "closes": "2027-06-30T17:00:00+02:00",
        },
    }
