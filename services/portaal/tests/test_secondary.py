"""A secondary school's pages with stand-in services: the registrations a page at a time, a registration
with the pupil's dossier and the decisions (each refusal back on the same page, the input kept), the
exports passed on as downloads, the letters prepared for the publication moment; and the reach of the
services is the page's reach."""

import json
from typing import Any

import httpx
from portaal_support import Services, access, csrf, sign_in

LYCEUM = "94AB00"
REGISTRATION = "7d3c1a52-0000-4000-8000-000000000001"
PUPIL = "5a1b2c3d-0000-4000-8000-000000000002"
PROCEDURE = {
    "region": "demo",
    "name": "Demo",
    "rounds": [
        {
            "code": "ronde-1",
            "name": "1e ronde",
            "publication_at": "2099-04-10T08:00:00+00:00",
            "registration": {"opens": "2027-03-01T08:00:00+00:00", "closes": "2027-03-15T17:00:00+00:00"},
        }
    ],
    "schools": [
        {
            "brin": LYCEUM,
            "name": "Het Lyceum",
            "priority_kinds": ["sibling"],
            "programs": [{"code": "94AB00-hv", "name": "havo/vwo", "school_brin": LYCEUM, "school_name": "Het Lyceum"}],
        }
    ],
}


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "id": REGISTRATION,
        "pupil_id": PUPIL,
        "round": "ronde-1",
        "state": "submitted",
        "advice": "havo/vwo",
        "preferences": [
            {"program": "94AB00-hv", "program_name": "havo/vwo", "school_brin": LYCEUM, "school_name": "Het Lyceum"}
        ],
        "priority": {"kind": "sibling", "at": "94AB00-hv", "sibling_name": "Ali de Vries", "sibling_class": "2b"},
        "priority_decision": None,
        "priority_reason": None,
        "equivalent_program_wish": False,
        "multiple_birth": None,
        "submitted_at": "2027-03-10T13:05:00+00:00",
        "forwarded_at": None,
        "school_placed_at": None,
        "placed_stream": None,
        "tafelmiddag": False,
        "placement": None,
        **changes,
    }


PUPIL_OUT = {
    "id": PUPIL,
    "elk_number": "10001",
    "given_name": "Noor",
    "family_name": "de Vries",
    "school_brin": "12AB01",
    "birth_date": "2014-03-09",
    "parent_email": "ouder@example.org",
    "parents": [{"name": "J. de Vries"}],
    "address": {"street": "Dorpsstraat", "house_number": "1", "postcode": "1234 AB", "city": "Dorp"},
}


def answers(body: Any, status: int = 200, **headers: str) -> Any:
    """A stand-in's answer of any JSON (the support's `on` takes a dict body only)."""
    return lambda _: httpx.Response(status, json=body, headers=headers)


def sign_in_vo(portal: Any, services: Services) -> None:
    secondary_school_routes(services)
    sign_in(portal, services, access(role="school_admin", schools=[LYCEUM]))


def secondary_school_routes(services: Services) -> None:
    services.on("GET", "/procedure", PROCEDURE)
    services.on("GET", f"/schools/{LYCEUM}", {"brin": LYCEUM, "name": "Het Lyceum", "sector": "secondary"})
    services.on(
        "GET", f"/schools/{LYCEUM}/registered-pupils", answers([{**PUPIL_OUT, "primary_school_brin": "12AB01"}])
    )
    services.on("GET", f"/registrations/{REGISTRATION}", registration())
    services.on("GET", f"/registrations/{REGISTRATION}/notes", answers([]))
    services.on("GET", f"/pupils/{PUPIL}", PUPIL_OUT)
    services.on("GET", f"/pupils/{PUPIL}/oki-doc", {"detail": "not found"}, status=404)
    services.on("GET", f"/pupils/{PUPIL}/notes", answers([]))
    services.on("GET", f"/pupils/{PUPIL}/information-requests", answers([]))
    services.on("GET", f"/schools/{LYCEUM}/prepared-letters", answers([]))


def test_the_registrations_come_a_sorted_page_at_a_time_with_the_pupils_names(portal, services):
    sign_in_vo(portal, services)
    services.on(
        "GET",
        f"/schools/{LYCEUM}/registrations",
        lambda _: httpx.Response(200, json=[registration()], headers={"X-Total-Count": "120"}),
    )

    page = portal.get(f"/vo/{LYCEUM}?sort=-received&page=2&round=ronde-1&placed=false")

    assert page.status_code == 200
    [asked] = services.sent("GET", f"/schools/{LYCEUM}/registrations")
    assert dict(asked.url.params) == {
        "limit": "50",
        "offset": "50",
        "sort": "-received",
        "round": "ronde-1",
        "placed": "false",
    }
    assert "de Vries, Noor" in page.text and f'href="/vo/{LYCEUM}/registrations/{REGISTRATION}"' in page.text
    assert "120 rijen, pagina 2 van 3" in page.text
    assert 'aria-sort="descending"' in page.text


def test_another_schools_registration_is_the_not_found_page(portal, services):
    sign_in_vo(portal, services)
    services.on("GET", "/registrations/other", {"detail": "no", "code": "registration_not_found"}, status=404)

    page = portal.get(f"/vo/{LYCEUM}/registrations/other")

    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.text


def test_a_priority_decision_needs_a_reason_and_keeps_the_input(portal, services):
    sign_in_vo(portal, services)
    page = portal.get(f"/vo/{LYCEUM}/registrations/{REGISTRATION}")
    assert "Ali de Vries" in page.text and "ouder@example.org" not in page.text
    token = csrf(page)

    refused = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/priority",
        data={"csrf_token": token, "priority.granted": "no", "priority.reason": " "},
    )

    assert refused.status_code == 422
    assert 'href="#priority-reason"' in refused.text and "Schrijf de reden op." in refused.text
    assert services.sent("POST", f"/registrations/{REGISTRATION}/priority-decision") == []

    services.on("POST", f"/registrations/{REGISTRATION}/priority-decision", registration(priority_decision="rejected"))
    decided = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/priority",
        data={"csrf_token": token, "priority.granted": "no", "priority.reason": "Geen broer op school."},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    [sent] = services.sent("POST", f"/registrations/{REGISTRATION}/priority-decision")
    assert json.loads(sent.content) == {"granted": False, "reason": "Geen broer op school."}


def test_a_refusal_of_the_service_comes_back_at_the_forms_field(portal, services):
    sign_in_vo(portal, services)
    token = csrf(portal.get(f"/vo/{LYCEUM}/registrations/{REGISTRATION}"))
    late = {"detail": "run", "code": "lottery_has_run", "ctx": {"round_name": "1e ronde"}}
    services.on("POST", f"/registrations/{REGISTRATION}/priority-decision", late, status=409)
    too_long = {"detail": [{"loc": ["body", "stream"], "type": "string_too_long", "ctx": {"max_length": 200}}]}
    services.on("POST", f"/registrations/{REGISTRATION}/placement", too_long, status=422)

    decided = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/priority",
        data={"csrf_token": token, "priority.granted": "yes", "priority.reason": "Broer in 2b."},
    )
    placed = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/placement",
        data={"csrf_token": token, "placement.stream": "tto"},
    )

    assert decided.status_code == 422 and "De loting van de 1e ronde is geweest" in decided.text
    assert placed.status_code == 422 and 'href="#placement-stream"' in placed.text and 'value="tto"' in placed.text


def test_geplaatst_with_a_stream_and_an_ended_registration_go_to_aanmelding(portal, services):
    sign_in_vo(portal, services)
    token = csrf(portal.get(f"/vo/{LYCEUM}/registrations/{REGISTRATION}"))
    services.on("POST", f"/registrations/{REGISTRATION}/placement", registration())
    services.on("POST", f"/registrations/{REGISTRATION}/school-withdrawal", registration(state="withdrawn"))

    placed = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/placement",
        data={"csrf_token": token, "placement.stream": "tto"},
        follow_redirects=False,
    )
    empty = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/school-withdrawal",
        data={"csrf_token": token, "withdrawal.reason": ""},
    )
    ended = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/school-withdrawal",
        data={"csrf_token": token, "withdrawal.reason": "Kiest een andere school."},
        follow_redirects=False,
    )

    assert placed.headers["location"].startswith(f"/vo/{LYCEUM}/registrations/{REGISTRATION}?done=placement")
    assert json.loads(services.sent("POST", f"/registrations/{REGISTRATION}/placement")[0].content) == {"stream": "tto"}
    assert empty.status_code == 422 and 'href="#withdrawal-reason"' in empty.text
    assert ended.headers["location"] == f"/vo/{LYCEUM}?done=ended"
    assert len(services.sent("POST", f"/registrations/{REGISTRATION}/school-withdrawal")) == 1


def test_a_question_to_the_primary_school_and_a_note_of_the_school(portal, services):
    sign_in_vo(portal, services)
    token = csrf(portal.get(f"/vo/{LYCEUM}/registrations/{REGISTRATION}"))
    services.on("POST", f"/pupils/{PUPIL}/information-requests", {"id": "q1"}, status=201)
    services.on("POST", f"/registrations/{REGISTRATION}/notes", {"id": "n1"}, status=201)

    asked = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/questions",
        data={"csrf_token": token, "question.message": "Hoe gaat het met lezen?"},
        follow_redirects=False,
    )
    noted = portal.post(
        f"/vo/{LYCEUM}/registrations/{REGISTRATION}/notes",
        data={"csrf_token": token, "note.text": "Intake gepland"},
        follow_redirects=False,
    )

    assert asked.status_code == noted.status_code == 303
    assert json.loads(services.sent("POST", f"/pupils/{PUPIL}/information-requests")[0].content) == {
        "message": "Hoe gaat het met lezen?"
    }
    assert json.loads(services.sent("POST", f"/registrations/{REGISTRATION}/notes")[0].content) == {
        "text": "Intake gepland"
    }


def test_an_export_is_passed_on_as_the_download_the_service_made(portal, services):
    sign_in_vo(portal, services)
    services.on(
        "GET",
        f"/schools/{LYCEUM}/exports/registrations.csv",
        lambda _: httpx.Response(
            200,
            content=b"elk_number;name\n10001;Noor\n",
            headers={
                "content-type": "text/csv; charset=utf-8",
                "content-disposition": f'attachment; filename="registrations-{LYCEUM}.csv"',
            },
        ),
    )

    page = portal.get(f"/vo/{LYCEUM}/exports")
    download = portal.get(f"/vo/{LYCEUM}/exports/registrations.csv")

    assert f'href="/vo/{LYCEUM}/exports/registrations.xlsx"' in page.text
    assert download.status_code == 200 and download.content == b"elk_number;name\n10001;Noor\n"
    assert download.headers["content-disposition"] == (
        f"attachment; filename=\"registrations-{LYCEUM}.csv\"; filename*=UTF-8''registrations-{LYCEUM}.csv"
    )
    assert download.headers["cache-control"] == "no-store"
    [sent] = services.sent("GET", f"/schools/{LYCEUM}/exports/registrations.csv")
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert portal.get(f"/vo/{LYCEUM}/exports/everything.csv").status_code == 404


def test_a_download_passed_on_gets_a_header_of_the_portals_own(portal, services):
    """The portal does not copy a service's Content-Disposition: it reads the file's name from it and
    writes the header again (RFC 6266), so nothing else the service's header carried comes along."""
    sign_in_vo(portal, services)
    hostile = 'attachment; filename="a.csv"; filename*=UTF-8\'\'Zo%C3%AB%22%3B.csv; evil="1"'
    services.on(
        "GET",
        f"/schools/{LYCEUM}/exports/registrations.csv",
        lambda _: httpx.Response(
            200, content=b"x", headers={"content-type": "text/csv", "content-disposition": hostile}
        ),
    )

    download = portal.get(f"/vo/{LYCEUM}/exports/registrations.csv")

    assert (
        download.headers["content-disposition"]
        == "attachment; filename=\"Zoe_.csv\"; filename*=UTF-8''Zo%C3%AB%22%3B.csv"
    )


def test_letters_are_prepared_for_the_pupils_placed_here_at_the_publication_moment(portal, services):
    sign_in_vo(portal, services)
    placed = registration(school_placed_at="2027-03-20T10:00:00+00:00")
    services.on("GET", f"/registrations/{REGISTRATION}", placed)
    services.on(
        "GET",
        f"/schools/{LYCEUM}/registrations",
        lambda _: httpx.Response(200, json=[placed], headers={"X-Total-Count": "1"}),
    )
    services.on("POST", f"/schools/{LYCEUM}/prepared-letters", answers([], 201))
    page = portal.get(f"/vo/{LYCEUM}/letters")
    token = csrf(page)
    assert f'value="{REGISTRATION}"' in page.text

    missing = portal.post(f"/vo/{LYCEUM}/letters", data={"csrf_token": token, "reply_weeks": "4"})
    prepared = portal.post(
        f"/vo/{LYCEUM}/letters",
        data={
            "csrf_token": token,
            "registrations": REGISTRATION,
            "signatory_name": "J. Jansen",
            "signatory_role": "directeur",
            "reply_weeks": "4",
        },
        follow_redirects=False,
    )

    assert missing.status_code == 422 and 'href="#registrations"' in missing.text
    assert 'href="#signatory_name"' in missing.text
    assert prepared.status_code == 303
    [sent] = services.sent("POST", f"/schools/{LYCEUM}/prepared-letters")
    body = json.loads(sent.content)
    assert body["send_at"] == "2099-04-10T08:00:00+00:00"
    [letter] = body["letters"]
    assert letter["pupil_id"] == PUPIL and letter["recipient"] == "ouder@example.org"
    assert letter["pupil_name"] == "Noor de Vries" and letter["school_name"] == "Het Lyceum"
    assert letter["address"] == ["Dorpsstraat 1", "1234 AB Dorp"]


def test_a_primary_school_has_no_secondary_pages(portal, services):
    services.on("GET", "/schools/12AB01", {"brin": "12AB01", "name": "De Regenboog", "sector": "primary"})
    sign_in(portal, services, access(role="school_admin", schools=["12AB01"]))
    services.on("GET", "/procedure", PROCEDURE)
    assert portal.get("/vo/12AB01/exports").status_code == 404
