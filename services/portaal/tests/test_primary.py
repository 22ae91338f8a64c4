"""The primary school's pupils, parent logins, final advice and imports, with stand-in services: the page
asks dossier for one sorted page of pupils (never the whole school), a group's logins go in one call and
come back per pupil, and refusals return as the same form with the input kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
from portaal_support import Services, access, csrf, sign_in

BRIN = "12AB01"
PUPIL = "3f1e6a2c-0000-4000-8000-000000000001"
OTHER = "3f1e6a2c-0000-4000-8000-000000000009"
GROUP = "6b6b6b6b-0000-4000-8000-000000000003"
SCHOOL = {"brin": BRIN, "name": "De Regenboog", "sector": "primary", "board": None, "contact_email": None}
GROUPS = [
    {"id": GROUP, "school_brin": BRIN, "name": "8a", "year_level": 8, "teachers": []},
    {"id": "6b6b6b6b-0000-4000-8000-000000000004", "school_brin": BRIN, "name": "8b", "year_level": 8, "teachers": []},
]
PROCEDURE = {"rounds": [{"code": "r1", "name": "1e ronde"}], "advices": ["vmbo_gt", "havo", "havo/vwo", "vwo"]}


def summary(pupil_id: str = PUPIL, given: str = "Noor", state: str = "sent", **more: Any) -> dict[str, Any]:
    return {
        "id": pupil_id,
        "elk_number": "100001",
        "given_name": given,
        "family_name": "de Vries",
        "school_brin": BRIN,
        "group": "8a",
        "not_placing_reason": None,
        "parent_logins": [{"parent": 1, "state": state, "changed_at": None, "requested_at": None}],
        **more,
    }


def oki_doc(**advice: Any) -> dict[str, Any]:
    return {"pupil_id": PUPIL, "status": "incomplete", "advice": advice, "revision_needed": False}


def school(services: Services, role: str = "school_admin", **scope: Any) -> None:
    services.on("GET", f"/schools/{BRIN}", SCHOOL)
    services.on("GET", f"/schools/{BRIN}/groups", lambda _: httpx.Response(200, json=GROUPS))
    services.on("GET", "/procedure", PROCEDURE)
    services.on("GET", f"/pupils/{PUPIL}", {**summary(), "birth_date": "2014-03-09", "parent_email": "o@example.org"})
    services.on("GET", f"/pupils/{PUPIL}/oki-doc", oki_doc())
    services.on("GET", "/messages", {"messages": []})


def signed_in(portal: Any, services: Services, role: str = "school_admin", **scope: Any) -> None:
    school(services)
    sign_in(portal, services, access(role=role, schools=[BRIN], **scope))


def test_the_list_asks_dossier_for_one_sorted_page_and_shows_the_dots(portal, services):
    signed_in(portal, services)
    rows = [summary(), summary(OTHER, "Sem", "failed")]
    services.on("GET", "/pupils", lambda _: httpx.Response(200, json=rows, headers={"X-Total-Count": "120"}))
    registrations = [
        {
            "pupil_id": PUPIL,
            "group": "8a",
            "readiness": "open",
            "advice": "havo",
            "rounds": {"r1": {"state": "submitted", "dot": "green"}},
            "ended_by_school": {},
        }
    ]
    services.on("GET", f"/schools/{BRIN}/pupils", lambda _: httpx.Response(200, json=registrations))

    page = portal.get(f"/po/{BRIN}?group=8a&sort=-login&page=2")

    assert page.status_code == 200
    [asked] = services.sent("GET", "/pupils")
    assert dict(asked.url.params) == {"limit": "50", "offset": "50", "sort": "-login", "group": "8a", "school": BRIN}
    assert services.sent("GET", f"/schools/{BRIN}/pupils")[0].url.params.get_list("pupil") == [PUPIL, OTHER]
    assert "dot--login-sent" in page.text and "dot--login-failed" in page.text
    assert "1e ronde: Ingediend" in page.text
    assert "120 rijen, pagina 2 van 3" in page.text
    assert f'action="/po/{BRIN}/groups/{GROUP}/parent-logins"' in page.text
    assert "/groups/6b6b6b6b-0000-4000-8000-000000000004/" not in page.text  # the filter's group only


def test_a_teacher_sees_the_send_button_of_their_own_groups_only(portal, services):
    signed_in(portal, services, role="school_user", groups=["8b"])
    services.on("GET", "/pupils", lambda _: httpx.Response(200, json=[], headers={"X-Total-Count": "0"}))
    page = portal.get(f"/po/{BRIN}")
    assert "voor groep 8b" in page.text and "voor groep 8a" not in page.text
    assert services.sent("GET", f"/schools/{BRIN}/pupils") == []  # no pupils on the page: nothing to ask


def test_another_schools_list_is_the_not_found_page(portal, services):
    signed_in(portal, services)
    assert portal.get("/po/34CD01").status_code == 404
    assert services.sent("GET", "/pupils") == []


def test_a_group_is_sent_in_one_call_and_the_answer_shown_per_pupil(portal, services):
    signed_in(portal, services)
    services.on("GET", f"/groups/{GROUP}", GROUPS[0])
    answers = [
        {
            "pupil_id": PUPIL,
            "elk_number": "1",
            "given_name": "Noor",
            "family_name": "de Vries",
            "outcome": "sent",
            "state": "not_sent",
        },
        {
            "pupil_id": OTHER,
            "elk_number": "2",
            "given_name": "Sem",
            "family_name": "Bakker",
            "outcome": "already_activated",
            "state": "activated",
        },
        {
            "pupil_id": OTHER,
            "elk_number": "3",
            "given_name": "Daan",
            "family_name": "Smit",
            "outcome": "no_email_address",
            "state": "not_sent",
        },
    ]
    services.on("POST", f"/groups/{GROUP}/parent-logins", lambda _: httpx.Response(200, json=answers))
    form = {"csrf_token": csrf(portal.get(f"/po/{BRIN}/imports")), "again": "yes"}

    page = portal.post(f"/po/{BRIN}/groups/{GROUP}/parent-logins", data=form)

    assert page.status_code == 200
    [sent] = services.sent("POST", f"/groups/{GROUP}/parent-logins")
    assert json.loads(sent.content) == {"language": "nl", "again": True}
    assert "1 e-mail is onderweg." in page.text
    assert "Al geactiveerd" in page.text and "Geen e-mailadres" in page.text


def test_a_group_of_another_school_is_not_found(portal, services):
    signed_in(portal, services)
    services.on("GET", f"/groups/{GROUP}", {**GROUPS[0], "school_brin": "34CD01"})
    form = {"csrf_token": csrf(portal.get(f"/po/{BRIN}/imports"))}
    assert portal.post(f"/po/{BRIN}/groups/{GROUP}/parent-logins", data=form).status_code == 404
    assert services.sent("POST", f"/groups/{GROUP}/parent-logins") == []


def test_the_final_advice_comes_back_with_its_error_and_the_input_kept(portal, services):
    signed_in(portal, services)
    refused = {"detail": [{"type": "value_error", "loc": ["body", "not_raised_because"], "msg": "higher"}]}
    services.on("PUT", f"/pupils/{PUPIL}/final-advice", lambda _: httpx.Response(422, json=refused))
    token = csrf(portal.get(f"/po/{BRIN}/pupils/{PUPIL}"))

    empty = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/final-advice", data={"csrf_token": token})
    assert empty.status_code == 422 and 'href="#advice-final-level"' in empty.text
    assert services.sent("PUT", f"/pupils/{PUPIL}/final-advice") == []

    form = {"csrf_token": token, "advice.final.level": "havo", "advice.final.motivation": "Werkt zelfstandig."}
    page = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/final-advice", data=form)
    assert page.status_code == 422
    assert 'href="#advice-final-not_raised_because"' in page.text and "Werkt zelfstandig." in page.text
    assert '<option value="havo" selected>' in page.text
    assert json.loads(services.sent("PUT", f"/pupils/{PUPIL}/final-advice")[0].content) == {
        "level": "havo",
        "motivation": "Werkt zelfstandig.",
        "not_raised_because": None,
    }

    services.on("PUT", f"/pupils/{PUPIL}/final-advice", oki_doc())
    saved = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/final-advice", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("?done=advice#final-advice")


def test_another_schools_pupil_under_this_schools_address_is_not_found(portal, services):
    signed_in(portal, services)
    services.on("GET", f"/pupils/{OTHER}", {**summary(OTHER), "school_brin": "34CD01"})
    assert portal.get(f"/po/{BRIN}/pupils/{OTHER}").status_code == 404
    assert portal.get(f"/po/{BRIN}/pupils/not-a-pupil").status_code == 404


def test_an_activated_login_is_not_sent_again_and_says_why(portal, services):
    signed_in(portal, services)
    services.on("POST", f"/pupils/{PUPIL}/parent-login", lambda _: httpx.Response(409, json={"detail": "activated"}))
    token = csrf(portal.get(f"/po/{BRIN}/pupils/{PUPIL}"))
    page = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/parent-login", data={"csrf_token": token, "parent": "1"})
    assert page.status_code == 409 and "heeft deze inlog al geactiveerd" in page.text


def test_a_bad_pupil_file_is_refused_on_the_same_page_and_a_good_one_reported(portal, services):
    signed_in(portal, services)
    refused = {"detail": [{"type": "value_error", "loc": ["body", "file"], "msg": "the header lacks"}]}
    services.on("POST", f"/schools/{BRIN}/pupil-import", lambda _: httpx.Response(422, json=refused))
    token = csrf(portal.get(f"/po/{BRIN}/imports"))

    nothing = portal.post(f"/po/{BRIN}/imports/pupils", data={"csrf_token": token})
    assert nothing.status_code == 422 and 'href="#file"' in nothing.text

    files = {"file": ("export.csv", b"naam;advies\nNoor;havo\n", "text/csv")}
    bad = portal.post(f"/po/{BRIN}/imports/pupils", data={"csrf_token": token, "overwrite": "yes"}, files=files)
    assert bad.status_code == 422 and "kolommen" in bad.text
    [sent] = services.sent("POST", f"/schools/{BRIN}/pupil-import")
    assert sent.content == b"naam;advies\nNoor;havo\n" and sent.url.params["overwrite"] == "true"
    assert sent.headers["content-type"] == "text/csv"

    created = {
        "line": 2,
        "pupil_number": "LL1",
        "pupil_id": PUPIL,
        "elk_number": "100001",
        "given_name": "Noor",
        "family_name": "de Vries",
        "fields": [],
        "linked": False,
        "kept": [],
    }
    report = {
        "created": [created],
        "changed": [],
        "skipped": [],
        "unchanged": [],
        "failed": [{"line": 3, "pupil_number": "LL2", "field": "geboortedatum", "reason": "not a date"}],
    }
    services.on("POST", f"/schools/{BRIN}/pupil-import", report)
    good = portal.post(f"/po/{BRIN}/imports/pupils", data={"csrf_token": token}, files=files)
    assert good.status_code == 200 and "Nieuwe leerlingen: 1" in good.text and "geboortedatum" in good.text
    assert "not a date" not in good.text  # the service's English words stay out of the page


def test_doorstroomtoets_rows_left_are_matched_by_hand_one_after_the_other(portal, services):
    signed_in(portal, services)
    emma = {
        "line": 3,
        "given_name": "Emma",
        "family_name": "de Boer",
        "birth_date": "2014-06-21",
        "advice": "havo",
        "why": "twins",
        "candidates": [{"pupil_id": PUPIL, "elk_number": "1", "given_name": "Noor", "family_name": "de Vries"}],
    }
    fenna = {"line": 7, "given_name": "Fenna", "family_name": "Visser", "birth_date": "2014-04-30", "advice": "vwo"}
    report = {"matched": [{"line": 2}], "ambiguous": [emma], "unmatched": [fenna], "failed": []}
    services.on("POST", f"/schools/{BRIN}/doorstroomtoets", report)
    services.on("PUT", f"/pupils/{PUPIL}/doorstroomtoets", oki_doc())
    token = csrf(portal.get(f"/po/{BRIN}/imports"))
    files = {"file": ("toets.csv", b"achternaam;roepnaam\n", "text/csv")}

    page = portal.post(f"/po/{BRIN}/imports/doorstroomtoets", data={"csrf_token": token}, files=files)
    assert page.status_code == 200 and "Regel 3: Emma de Boer" in page.text and "Regel 7: Fenna Visser" in page.text

    left = json.dumps([emma, fenna])
    unchosen = portal.post(
        f"/po/{BRIN}/imports/doorstroomtoets/match", data={"csrf_token": token, "line": "3", "left": left}
    )
    assert unchosen.status_code == 422 and 'href="#pupil-3"' in unchosen.text

    form = {"csrf_token": token, "line": "3", "left": left, "pupil": PUPIL}
    matched = portal.post(f"/po/{BRIN}/imports/doorstroomtoets/match", data=form)
    assert matched.status_code == 200 and "Regel 3: Emma" not in matched.text and "Regel 7: Fenna" in matched.text
    assert json.loads(services.sent("PUT", f"/pupils/{PUPIL}/doorstroomtoets")[0].content) == {
        "test": None,
        "level": "havo",
    }


HELPER = {
    "advice": "havo",
    "choose_one": False,
    "length": {"min": 2, "max": None, "ranks": "programs"},
    "priority_kinds": {},
    "programs": [
        {
            "code": "P1",
            "name": "havo",
            "school_brin": "20VO01",
            "school_name": "Het Lyceum",
            "levels": ["havo"],
            "kind": "regular",
            "seats": 100,
        },
        {
            "code": "P2",
            "name": "havo/vwo",
            "school_brin": "20VO02",
            "school_name": "Het College",
            "levels": ["havo"],
            "kind": "regular",
            "seats": 100,
        },
    ],
}
OPEN_ROUND = {
    "code": "r1",
    "name": "1e ronde",
    "registration": {"opens": "2020-01-01T00:00:00+00:00", "closes": "2999-03-01T17:00:00+00:00"},
}


def with_final_advice(services: Services) -> None:
    final = {"level": "havo", "motivation": None, "not_raised_because": None, "given_at": "2026-02-01T10:00:00+00:00"}
    services.on("GET", f"/pupils/{PUPIL}/oki-doc", oki_doc(final=final))
    services.on("GET", "/procedure", {**PROCEDURE, "rounds": [OPEN_ROUND]})
    services.on("GET", "/procedure/programs", HELPER)


def test_the_paper_form_is_printed_by_notificatie_with_the_programs_that_fit(portal, services):
    signed_in(portal, services)
    with_final_advice(services)
    services.on(
        "POST",
        "/documents/paper-form.pdf",
        lambda _: httpx.Response(200, content=b"%PDF-1.4", headers={"content-type": "application/pdf"}),
    )

    pdf = portal.get(f"/po/{BRIN}/pupils/{PUPIL}/paper-form.pdf")

    assert pdf.status_code == 200 and pdf.content == b"%PDF-1.4"
    body = json.loads(services.sent("POST", "/documents/paper-form.pdf")[0].content)
    assert body["programs"] == [
        {"school": "Het Lyceum", "program": "havo"},
        {"school": "Het College", "program": "havo/vwo"},
    ]
    assert body["round_name"] == "1e ronde" and body["advice"] == "havo" and "2" in body["list_rule"]


def test_the_paper_form_is_entered_and_a_refusal_comes_back_at_its_field(portal, services):
    signed_in(portal, services)
    with_final_advice(services)
    refused = {"detail": "too short", "code": "list_too_short", "field": "programs", "ctx": {"min": 2, "count": 1}}
    path = f"/pupils/{PUPIL}/registration/paper-form"
    services.on("POST", path, lambda _: httpx.Response(422, json=refused))
    token = csrf(portal.get(f"/po/{BRIN}/pupils/{PUPIL}/paper-form"))

    empty = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/paper-form", data={"csrf_token": token})
    assert empty.status_code == 422 and 'href="#programs-0"' in empty.text and 'href="#signed_by"' in empty.text

    form = {"csrf_token": token, "programs.0": "P2", "programs.1": "", "signed_by": "J. de Vries"}
    page = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/paper-form", data=form)
    assert page.status_code == 422 and "te kort" in page.text and '<option value="P2" selected>' in page.text
    assert json.loads(services.sent("POST", path)[0].content)["programs"] == ["P2"]

    services.on("POST", path, {"id": "x"})
    done = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/paper-form", data=form, follow_redirects=False)
    assert done.status_code == 303 and "done=paper" in done.headers["location"]


def test_the_details_are_corrected_with_dossiers_refusal_at_its_field(portal, services):
    signed_in(portal, services)
    refused = {"detail": [{"type": "value_error", "loc": ["body", "parents", 1, "email"], "msg": "not an address"}]}
    services.on("PATCH", f"/pupils/{PUPIL}", lambda _: httpx.Response(422, json=refused))
    page = portal.get(f"/po/{BRIN}/pupils/{PUPIL}")
    assert 'id="pupil-address-street"' in page.text and 'value="o@example.org"' in page.text  # the checklist's anchors
    form = {
        "csrf_token": csrf(page),
        "pupil.given_name": "Noor",
        "pupil.family_name": "de Vries",
        "pupil.birth_date": "2014-03-09",
        "pupil.address.street": "Dorpsstraat",
        "pupil.parents.0.email": "o@example.org",
        "pupil.parents.1.email": "geen adres",
    }

    answer = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/details", data=form)

    assert answer.status_code == 422 and 'href="#pupil-parents-1-email"' in answer.text
    assert "naam@voorbeeld.nl" in answer.text and 'value="Dorpsstraat"' in answer.text
    sent = json.loads(services.sent("PATCH", f"/pupils/{PUPIL}")[0].content)
    assert sent["address"] == {"street": "Dorpsstraat", "house_number": None, "postcode": None, "city": None}
    assert [parent["email"] for parent in sent["parents"]] == ["o@example.org", "geen adres"]

    without = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/details", data={**form, "pupil.parents.0.email": ""})
    assert without.status_code == 422 and 'href="#pupil-parents-0-email"' in without.text
    assert len(services.sent("PATCH", f"/pupils/{PUPIL}")) == 1


def test_a_pupil_added_by_hand_goes_to_dossier_with_the_school_and_the_group(portal, services):
    signed_in(portal, services)
    refused = {"detail": [{"type": "value_error", "loc": ["body", "parent_email"], "msg": "not an address"}]}
    services.on("POST", "/pupils", lambda _: httpx.Response(422, json=refused))
    page = portal.get(f"/po/{BRIN}/pupils/new?group=8a")
    assert '<option value="8a" selected>' in page.text
    form = {
        "csrf_token": csrf(page),
        "given_name": "Lina",
        "family_name": "Smit",
        "birth_date": "2014-05-01",
        "parent_email": "geen",
        "group": "8a",
    }

    empty = portal.post(f"/po/{BRIN}/pupils/new", data={"csrf_token": form["csrf_token"]})
    assert empty.status_code == 422 and 'href="#given_name"' in empty.text and services.sent("POST", "/pupils") == []

    wrong = portal.post(f"/po/{BRIN}/pupils/new", data=form)
    assert wrong.status_code == 422 and 'href="#parent_email"' in wrong.text and 'value="Lina"' in wrong.text
    assert json.loads(services.sent("POST", "/pupils")[0].content) == {
        "given_name": "Lina",
        "family_name": "Smit",
        "birth_date": "2014-05-01",
        "parent_email": "geen",
        "group": "8a",
        "school_brin": BRIN,
    }

    services.on("POST", "/pupils", {"id": PUPIL, "elk_number": "100009"}, status=201)
    added = portal.post(
        f"/po/{BRIN}/pupils/new", data={**form, "parent_email": "l@example.org"}, follow_redirects=False
    )
    assert added.status_code == 303 and added.headers["location"] == f"/po/{BRIN}/pupils/{PUPIL}?done=new"
