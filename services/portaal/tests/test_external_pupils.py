"""The region's page for pupils from outside the region (buitenleerlingen): the form, its errors, the body
sent to dossier, the confirmation with the B number, the parent login; nobody else reaches it."""

import json

from portaal_support import access, csrf, sign_in

PUPIL_ID = "00000000-0000-0000-0000-0000000000b1"
PROCEDURE = {"region": "demo", "advices": ["vmbo_gt", "vmbo_gt/havo", "havo"]}
FORM = {
    "given_name": "Sem",
    "family_name": "de Boer",
    "birth_date": "2014-03-09",
    "parent_email": "ouder@example.com",
    "school_name": "De Wilgen",
    "school_brin": "09xy00",
    "final_advice": "vmbo_gt/havo",
}
PUPIL = {
    "id": PUPIL_ID,
    "elk_number": "B10001",
    "given_name": "Sem",
    "family_name": "de Boer",
    "birth_date": "2014-03-09",
    "parent_email": "ouder@example.com",
    "school_brin": "09XY00",
    "external": {"school_name": "De Wilgen", "final_advice": "vmbo_gt/havo"},
    "parent_logins": [],
}


def region_admin(portal, services):
    services.on("GET", "/procedure", PROCEDURE)
    sign_in(portal, services, access(role="region_admin"))
    return csrf(portal.get("/region/external-pupils"))


def test_the_form_asks_what_dossier_needs(portal, services):
    services.on("GET", "/procedure", PROCEDURE)
    sign_in(portal, services, access(role="region_admin"))
    page = portal.get("/region/external-pupils")
    assert page.status_code == 200
    assert "Leerlingen van buiten de regio" in page.text
    for name in FORM:
        assert f'name="{name}"' in page.text
    assert '<option value="vmbo_gt/havo">vmbo-gt/havo</option>' in page.text


def test_missing_fields_and_a_bad_brin_come_back_with_the_input_kept(portal, services):
    token = region_admin(portal, services)
    data = FORM | {"birth_date": "", "school_brin": "wilgen", "csrf_token": token}
    page = portal.post("/region/external-pupils", data=data)
    assert page.status_code == 422
    assert 'href="#birth_date"' in page.text and 'href="#school_brin"' in page.text
    assert "Vul dit in." in page.text and "bijvoorbeeld 12AB01" in page.text
    assert 'value="Sem"' in page.text and 'value="De Wilgen"' in page.text
    assert '<option value="vmbo_gt/havo" selected>' in page.text
    assert services.sent("POST", "/external-pupils") == []


def test_dossiers_refusals_point_at_their_fields(portal, services):
    token = region_admin(portal, services)
    refusal = {
        "detail": [
            {"loc": ["body", "school_brin"], "msg": "09XY00 is a school of this region", "type": "value_error"},
            {"loc": ["body", "birth_date"], "msg": "not a pupil's birth date", "type": "value_error"},
            {"loc": ["body", "parent_email"], "msg": "not an address", "type": "value_error"},
        ]
    }
    services.on("POST", "/external-pupils", refusal, status=422)
    page = portal.post("/region/external-pupils", data=FORM | {"csrf_token": token})
    assert page.status_code == 422
    assert "Deze school hoort bij de regio" in page.text
    assert "Deze geboortedatum klopt niet" in page.text
    assert 'href="#parent_email"' in page.text and 'value="ouder@example.com"' in page.text


def test_a_buitenleerling_is_registered_and_the_parent_login_sent(portal, services):
    token = region_admin(portal, services)
    services.on("POST", "/external-pupils", {"id": PUPIL_ID, "elk_number": "B10001"}, status=201)
    services.on("GET", f"/pupils/{PUPIL_ID}", PUPIL)
    done = portal.post("/region/external-pupils", data=FORM | {"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/region/external-pupils/{PUPIL_ID}"
    sent = json.loads(services.sent("POST", "/external-pupils")[0].content)
    assert sent == {k: v for k, v in FORM.items()} | {"school_brin": "09XY00"}

    page = portal.get(done.headers["location"])
    assert page.status_code == 200
    assert "B10001" in page.text and "De Wilgen" in page.text and "Verstuur de ouderinlog" in page.text

    login = {"parent": 1, "state": "sent", "changed_at": None, "requested_at": None}
    services.on("POST", f"/pupils/{PUPIL_ID}/parent-login", login, status=202)
    sent_page = portal.post(f"/region/external-pupils/{PUPIL_ID}/parent-login", data={"csrf_token": csrf(page)})
    assert sent_page.status_code == 200 and "onderweg naar ouder@example.com" in sent_page.text
    assert json.loads(services.sent("POST", f"/pupils/{PUPIL_ID}/parent-login")[0].content) == {
        "parent": 1,
        "language": "nl",
    }


def test_an_activated_login_is_not_sent_again(portal, services):
    region_admin(portal, services)
    services.on("GET", f"/pupils/{PUPIL_ID}", PUPIL)
    page = portal.get(f"/region/external-pupils/{PUPIL_ID}")
    services.on("POST", f"/pupils/{PUPIL_ID}/parent-login", {"detail": "already activated"}, status=409)
    refused = portal.post(f"/region/external-pupils/{PUPIL_ID}/parent-login", data={"csrf_token": csrf(page)})
    assert refused.status_code == 409 and "heeft deze inlog al geactiveerd" in refused.text


def test_a_pupil_of_the_regions_own_schools_is_not_this_pages(portal, services):
    region_admin(portal, services)
    services.on("GET", f"/pupils/{PUPIL_ID}", PUPIL | {"external": None, "elk_number": "10001"})
    assert portal.get(f"/region/external-pupils/{PUPIL_ID}").status_code == 404


def test_a_school_administrator_gets_the_not_found_page(portal, services):
    services.on("GET", "/procedure", PROCEDURE)
    services.on("GET", "/schools/12AB01", {"brin": "12AB01", "name": "De Regenboog", "sector": "primary"})
    sign_in(portal, services, access(role="school_admin", schools=["12AB01"]))
    page = portal.get("/region/external-pupils")
    assert page.status_code == 404 and "Pagina niet gevonden" in page.text
    assert portal.get(f"/region/external-pupils/{PUPIL_ID}").status_code == 404
    assert services.sent("GET", f"/pupils/{PUPIL_ID}") == []
