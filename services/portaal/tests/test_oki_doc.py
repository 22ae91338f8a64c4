"""The primary school's OKI-doc pages, questions, notes and forwarding, with stand-in services: what the
portal sends to dossier and aanmelding, and how a refusal comes back on the same page, the input kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
from portaal_support import access, csrf, sign_in

from loket.portaal.domain import oki_doc_form as okiform

BRIN = "12AB01"
PUPIL = "3f1e6a2c-0000-4000-8000-000000000001"
BASE = f"/po/{BRIN}/pupils/{PUPIL}/oki-doc"
QUESTION = "9a9a9a9a-0000-4000-8000-000000000002"


def oki_doc(status: str = "incomplete", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "pupil_id": PUPIL,
        "status": status,
        "pupil": {
            "elk_number": "E123",
            "school_brin": BRIN,
            "given_name": "Noor",
            "family_name": "de Vries",
            "birth_date": "2014-03-09",
            "address": None,
            "parents": [],
            "school_career": [{"school_year": "2024-2025", "school": "De Regenboog", "year_level": 7, "note": None}],
        },
        "advice": {"provisional_8": {"level": "havo", "motivation": None}, "tafelmiddag": False},
        "test_results": [],
        "support": {"absence": None, "didactic": [], "behaviour": []},
        "overview": {},
        "missing": [
            {"path": "advice.provisional_8.motivation", "name": "Onderbouwing voorlopig advies groep 8"},
            {"path": "pupil.address.street", "name": "Straat"},
            {"path": "support.didactic", "name": "Extra ondersteuning didactische vaardigheden"},
        ],
        "revision_needed": False,
        "changed_at": None,
        "completed_at": None,
        "finalised_at": None,
    }
    document.update(changes)
    return document


def listed(rows: list[Any]) -> Any:
    return lambda _: httpx.Response(200, json=rows)


def school_admin(portal: Any, services: Any, school: str = BRIN) -> None:
    sign_in(portal, services, access(role="school_admin", schools=[school]))


def with_oki_doc(services: Any, document: dict[str, Any] | None = None) -> None:
    services.on("GET", f"/pupils/{PUPIL}/oki-doc", document or oki_doc())
    services.on("GET", f"/pupils/{PUPIL}/oki-doc/attachments", listed([]))


def test_the_overview_shows_the_status_and_links_each_missing_field_to_its_place(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    page = portal.get(BASE)
    assert page.status_code == 200
    assert "Onvolledig" in page.text
    assert f'href="{BASE}/advice#advice-provisional_8-motivation"' in page.text
    assert f'href="/po/{BRIN}/pupils/{PUPIL}#pupil-address-street"' in page.text
    assert f'href="{BASE}/support#support-didactic"' in page.text
    assert f'action="{BASE}/complete"' in page.text


def test_a_tab_is_saved_as_its_part_empty_rows_left_out(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    services.on("PATCH", f"/pupils/{PUPIL}/oki-doc", oki_doc())
    form = csrf(portal.get(f"{BASE}/school_career"))
    sent = {
        "csrf_token": form,
        "school_career.0.school_year": "",
        "school_career.0.school": "",
        "school_career.1.school_year": "2025-2026",
        "school_career.1.school": " De Regenboog ",
        "school_career.1.year_level": "8",
        "school_career.2.school_year": "",
    }
    answer = portal.post(f"{BASE}/school_career", data=sent, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"{BASE}/school_career?saved=1"
    body = json.loads(services.sent("PATCH", f"/pupils/{PUPIL}/oki-doc")[0].content)
    assert body == {
        "school_career": [{"school_year": "2025-2026", "school": "De Regenboog", "year_level": "8", "note": None}]
    }


def test_a_refused_tab_comes_back_with_the_error_at_the_forms_own_row_and_the_input_kept(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    refusal = {"detail": [{"type": "string_pattern_mismatch", "loc": ["body", "school_career", 0, "school_year"]}]}
    services.on("PATCH", f"/pupils/{PUPIL}/oki-doc", lambda _: httpx.Response(422, json=refusal))
    token = csrf(portal.get(f"{BASE}/school_career"))
    sent = {"csrf_token": token, "school_career.1.school_year": "2025", "school_career.1.school": "De Regenboog"}
    page = portal.post(f"{BASE}/school_career", data=sent)
    assert page.status_code == 422
    assert 'href="#school_career-1-school_year"' in page.text  # the form's row 1 was dossier's row 0
    assert "Schrijf het schooljaar als 2024-2025." in page.text
    assert 'value="2025"' in page.text and 'aria-invalid="true"' in page.text


def test_the_advice_tab_sends_choices_as_yes_or_no(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    services.on("PATCH", f"/pupils/{PUPIL}/oki-doc", oki_doc())
    page = portal.get(f"{BASE}/advice")
    assert '<option value="vmbo_gt/havo">vmbo-gt/havo</option>' in page.text
    assert '<option value="havo" selected>' in page.text
    sent = {
        "csrf_token": csrf(page),
        "advice.provisional_8.level": "havo",
        "advice.provisional_8.motivation": "Werkt zelfstandig.",
        "advice.tafelmiddag": "no",
        "advice.contact_person.email": "ib@school.example",
    }
    assert portal.post(f"{BASE}/advice", data=sent, follow_redirects=False).status_code == 303
    advice = json.loads(services.sent("PATCH", f"/pupils/{PUPIL}/oki-doc")[0].content)["advice"]
    assert advice["provisional_8"] == {"level": "havo", "motivation": "Werkt zelfstandig."}
    assert advice["tafelmiddag"] is False and advice["support_needed"] is None
    assert advice["contact_person"] == {"name": None, "email": "ib@school.example", "phone": None}


def test_volledig_refused_lists_the_missing_fields_from_dossiers_answer(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    missing = [{"path": "overview.parents_inspected_on", "name": "Datum inzage ouders"}]
    refusal = {"detail": {"message": "cannot", "missing": missing}}
    services.on("POST", f"/pupils/{PUPIL}/oki-doc/finalise", lambda _: httpx.Response(409, json=refusal))
    page = portal.post(f"{BASE}/finalise", data={"csrf_token": csrf(portal.get(BASE))})
    assert page.status_code == 409
    assert 'href="#checklist"' in page.text
    assert f'href="{BASE}/overview#overview-parents_inspected_on"' in page.text


def test_reopening_needs_a_reason_and_sends_it(portal, services):
    school_admin(portal, services)
    with_oki_doc(services, oki_doc("final", finalised_at="2027-02-01T10:00:00+00:00"))
    services.on("POST", f"/pupils/{PUPIL}/oki-doc/reopen", oki_doc("complete"))
    token = csrf(portal.get(BASE))
    page = portal.post(f"{BASE}/reopen", data={"csrf_token": token, "reason": "  "})
    assert page.status_code == 422 and 'href="#reason"' in page.text
    assert not services.sent("POST", f"/pupils/{PUPIL}/oki-doc/reopen")
    done = portal.post(f"{BASE}/reopen", data={"csrf_token": token, "reason": "Toets vergeten"}, follow_redirects=False)
    assert done.status_code == 303
    assert json.loads(services.sent("POST", f"/pupils/{PUPIL}/oki-doc/reopen")[0].content) == {
        "reason": "Toets vergeten"
    }


def test_an_attachment_goes_to_dossier_as_the_files_own_body_and_comes_back_as_a_download(portal, services):
    school_admin(portal, services)
    with_oki_doc(services)
    services.on("POST", f"/pupils/{PUPIL}/oki-doc/attachments", {"id": QUESTION}, status=201)
    token = csrf(portal.get(BASE))
    files = {"file": ("verslag.pdf", b"%PDF-1.4 a report", "application/pdf")}
    done = portal.post(f"{BASE}/attachments", data={"csrf_token": token}, files=files, follow_redirects=False)
    assert done.status_code == 303
    sent = services.sent("POST", f"/pupils/{PUPIL}/oki-doc/attachments")[0]
    assert sent.content == b"%PDF-1.4 a report" and sent.headers["content-type"] == "application/pdf"
    assert sent.url.params["file_name"] == "verslag.pdf" and sent.headers["authorization"].startswith("Bearer ")

    services.on(
        "GET",
        f"/pupils/{PUPIL}/oki-doc/attachments/{QUESTION}",
        lambda _: httpx.Response(
            200,
            content=b"%PDF-1.4 a report",
            headers={"content-type": "application/pdf", "content-disposition": "attachment; filename*=UTF-8''v.pdf"},
        ),
    )
    download = portal.get(f"{BASE}/attachments/{QUESTION}")
    assert download.content == b"%PDF-1.4 a report"
    assert download.headers["content-disposition"] == "attachment; filename=\"v.pdf\"; filename*=UTF-8''v.pdf"
    assert download.headers["x-content-type-options"] == "nosniff"

    no_file = portal.post(f"{BASE}/attachments", data={"csrf_token": token}, files={"file": ("", b"", "")})
    assert no_file.status_code == 422 and 'href="#file"' in no_file.text
    services.on("POST", f"/pupils/{PUPIL}/oki-doc/attachments", {"detail": "too large"}, status=413)
    large = portal.post(f"{BASE}/attachments", data={"csrf_token": token}, files=files)
    assert large.status_code == 413 and "Het bestand is te groot." in large.text


def test_another_schools_pupil_or_school_is_the_not_found_page(portal, services):
    school_admin(portal, services, school="99ZZ01")
    with_oki_doc(services)
    assert portal.get(BASE).status_code == 404  # not this member's school
    assert portal.get(f"/po/99ZZ01/pupils/{PUPIL}/oki-doc").status_code == 404  # the pupil is not at 99ZZ01
    assert portal.get(f"/po/{BRIN}/questions").status_code == 404
    assert not services.sent("GET", f"/schools/{BRIN}/information-requests")


def test_dossiers_refusal_of_the_pupil_is_the_not_found_page(portal, services):
    school_admin(portal, services)
    services.on("GET", f"/pupils/{PUPIL}/oki-doc", {"detail": "not found"}, status=404)
    page = portal.get(BASE)
    assert page.status_code == 404 and "Pagina niet gevonden" in page.text


def test_questions_come_a_page_at_a_time_and_an_empty_answer_comes_back(portal, services):
    school_admin(portal, services)
    question = {
        "id": QUESTION,
        "pupil_id": PUPIL,
        "from_school_brin": "34CD02",
        "to_school_brin": BRIN,
        "message": "Hoe gaat rekenen?",
        "asked_by": "vo-1",
        "asked_at": "2027-03-01T09:00:00+00:00",
        "answer": None,
        "answered_by": None,
        "answered_at": None,
        "pupil": {"id": PUPIL, "elk_number": "E123", "given_name": "Noor", "family_name": "de Vries"},
    }
    services.on(
        "GET",
        f"/schools/{BRIN}/information-requests",
        lambda _: httpx.Response(200, json=[question], headers={"X-Total-Count": "51"}),
    )
    services.on("GET", "/schools/34CD02", {"brin": "34CD02", "name": "Het Lyceum", "sector": "secondary"})
    page = portal.get(f"/po/{BRIN}/questions")
    assert page.status_code == 200 and "Het Lyceum" in page.text and "Hoe gaat rekenen?" in page.text
    asked = services.sent("GET", f"/schools/{BRIN}/information-requests")[0].url.params
    assert (asked["limit"], asked["offset"], asked["open"], asked["sort"]) == ("50", "0", "true", "asked_at")
    assert 'rel="next"' in page.text

    at = f"/po/{BRIN}/questions/{QUESTION}/answer"
    token = csrf(page)
    empty = portal.post(at, data={"csrf_token": token, "pupil_id": PUPIL, f"answer.{QUESTION}": " "})
    assert empty.status_code == 422 and f'href="#answer-{QUESTION}"' in empty.text
    services.on("POST", f"/pupils/{PUPIL}/information-requests/{QUESTION}/answer", {**question, "answer": "Goed"})
    sent = {
        "csrf_token": token,
        "pupil_id": PUPIL,
        f"answer.{QUESTION}": "Goed",
        "back": "/po/12AB01/questions?show=all",
    }
    done = portal.post(at, data=sent, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/po/12AB01/questions?show=all#answered"
    body = json.loads(services.sent("POST", f"/pupils/{PUPIL}/information-requests/{QUESTION}/answer")[0].content)
    assert body == {"answer": "Goed"}


def test_a_note_is_written_for_the_school_or_also_for_the_secondary_school(portal, services):
    school_admin(portal, services)
    services.on("GET", f"/pupils/{PUPIL}", {"id": PUPIL, "school_brin": BRIN, "given_name": "Noor", "family_name": "V"})
    services.on("GET", f"/pupils/{PUPIL}/notes", listed([]))
    services.on("POST", f"/pupils/{PUPIL}/notes", {"id": QUESTION}, status=201)
    page = portal.get(f"/po/{BRIN}/pupils/{PUPIL}/notes")
    assert page.status_code == 200 and "Nog geen notities." in page.text
    token = csrf(page)
    empty = portal.post(f"/po/{BRIN}/pupils/{PUPIL}/notes", data={"csrf_token": token, "text": ""})
    assert empty.status_code == 422 and 'href="#text"' in empty.text
    sent = {"csrf_token": token, "text": "Gesprek met moeder", "visibility": "secondary_school"}
    assert portal.post(f"/po/{BRIN}/pupils/{PUPIL}/notes", data=sent, follow_redirects=False).status_code == 303
    body = json.loads(services.sent("POST", f"/pupils/{PUPIL}/notes")[0].content)
    assert body == {"text": "Gesprek met moeder", "visibility": "secondary_school"}


def test_forwarding_lists_the_waiting_lists_and_a_change_needs_the_parents_consent(portal, services):
    school_admin(portal, services)
    services.on(
        "GET",
        f"/schools/{BRIN}/pupils",
        lambda _: httpx.Response(
            200, json=[{"pupil_id": PUPIL, "group": "8a", "rounds": {"R1": {"state": "submitted", "dot": "AV"}}}]
        ),
    )
    services.on(
        "GET",
        "/pupils",
        lambda _: httpx.Response(200, json=[{"id": PUPIL, "given_name": "Noor", "family_name": "de Vries"}]),
    )
    page = portal.get(f"/po/{BRIN}/forwarding")
    assert page.status_code == 200 and f'href="/po/{BRIN}/forwarding/{PUPIL}">Noor de Vries' in page.text

    current = {
        "state": "submitted",
        "advice": "havo",
        "round": "R1",
        "preferences": [{"program": "P1", "program_name": "havo", "school_name": "Het Lyceum"}],
        "priority": {},
        "multiple_birth": {},
        "school_changes": [],
        "forwarded_at": None,
    }
    services.on("GET", f"/pupils/{PUPIL}", {"id": PUPIL, "school_brin": BRIN, "given_name": "Noor", "family_name": "V"})
    services.on("GET", f"/pupils/{PUPIL}/registration", {"current": current, "history": []})
    programs = [
        {"code": "P1", "name": "havo", "school_name": "Het Lyceum"},
        {"code": "P2", "name": "havo", "school_name": "Het College"},
    ]
    services.on("GET", "/procedure/programs", {"programs": programs, "length": {"min": 1, "max": 2}})
    detail = portal.get(f"/po/{BRIN}/forwarding/{PUPIL}")
    assert detail.status_code == 200 and "Stuur de lijst door" in detail.text
    token = csrf(detail)
    at = f"/po/{BRIN}/forwarding/{PUPIL}/change"
    refused = portal.post(at, data={"csrf_token": token, "programs.0": "P2", "programs.1": "P1"})
    assert refused.status_code == 422 and 'href="#consent-given_by"' in refused.text
    assert not services.sent("PUT", f"/pupils/{PUPIL}/registration/school-change")
    services.on("PUT", f"/pupils/{PUPIL}/registration/school-change", {"state": "submitted"})
    sent = {
        "csrf_token": token,
        "programs.0": "P2",
        "programs.1": "P1",
        "consent.given_by": "Moeder",
        "consent.how": "Gesprek",
    }
    assert portal.post(at, data=sent, follow_redirects=False).status_code == 303
    body = json.loads(services.sent("PUT", f"/pupils/{PUPIL}/registration/school-change")[0].content)
    assert body["programs"] == ["P2", "P1"] and body["consent"] == {"given_by": "Moeder", "how": "Gesprek"}

    services.on("POST", f"/pupils/{PUPIL}/registration/forwarding", {"state": "forwarded"})
    forwarded = portal.post(
        f"/po/{BRIN}/forwarding/{PUPIL}/forward", data={"csrf_token": token}, follow_redirects=False
    )
    assert forwarded.headers["location"] == f"/po/{BRIN}/forwarding/{PUPIL}?done=forwarding"


def test_a_missing_field_is_filled_in_on_its_tab_or_the_pupils_page():
    assert okiform.place_of("pupil.school_career") == okiform.Place("school_career", "school_career")
    assert okiform.place_of("support.behaviour.1.explanation") == okiform.Place(
        "support", "support-behaviour-1-explanation"
    )
    assert okiform.place_of("advice.final.motivation").tab is None
    assert okiform.place_of("overview.parents_agreed") == okiform.Place("overview", "overview-parents_agreed")


def test_a_teacher_is_not_offered_to_reopen_and_is_told_why_when_trying(portal, services):
    sign_in(portal, services, access(role="school_user", schools=[BRIN], groups=["8a"]))
    with_oki_doc(services, oki_doc("final", finalised_at="2027-02-01T10:00:00+00:00"))
    services.on("POST", f"/pupils/{PUPIL}/oki-doc/reopen", {"detail": "only an administrator"}, status=403)
    page = portal.get(BASE)
    assert page.status_code == 200 and f'action="{BASE}/reopen"' not in page.text
    refused = portal.post(f"{BASE}/reopen", data={"csrf_token": csrf(page), "reason": "Vergeten"})
    assert refused.status_code == 403 and "Alleen een beheerder van de school" in refused.text
