"""Staff sign-in with a second step (the QR code, recovery codes), the account's security page, the
session that ran out, and the region's staff accounts; identity is a stand-in (the real one is in
tests/browser/test_staff_accounts.py)."""

import json

import httpx
from portaal_support import access, csrf, sign_in, signed_in

OTPAUTH = (
    "otpauth://totp/Loket%20demo:beheer%40school.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Loket%20demo"
)
CODES = [f"AAAA-BBBB-{n:04d}".replace("0", "C").replace("1", "D") for n in range(10)]
ACCOUNT = {
    "id": "7d7e8d2a-0000-4000-8000-000000000001",
    "email": "beheer@12ab01.example",
    "role": "school_admin",
    "board": None,
    "school": "12AB01",
    "groups": [],
    "state": "activated",
    "invitation_mail": "sent",
    "second_factor": True,
    "created_at": "2026-11-02T09:00:00+00:00",
    "activated_at": "2026-11-02T10:00:00+00:00",
    "deactivated_at": None,
}


def log_in(portal, **fields):  # type: ignore[no-untyped-def]
    token = csrf(portal.get("/login"))
    form = {"username": "beheer@school.example", "password": "a long password", "csrf_token": token} | fields
    return portal.post("/login", data=form, follow_redirects=False)


def test_enrolling_shows_a_qr_code_drawn_by_the_portal_and_the_key_in_text(portal, services):
    body = {
        "detail": "…",
        "code": "second_factor_enrolment",
        "field": "totp_code",
        "second_factor": "enrolment_required",
        "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "otpauth_uri": OTPAUTH,
    }
    services.on("POST", "/login", body, status=401)
    page = log_in(portal)
    assert page.status_code == 422
    assert '<svg role="img" aria-label="QR-code met de sleutel voor uw authenticator-app"' in page.text
    assert "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in page.text
    assert "data:" not in page.text and "otpauth://" not in page.text  # drawn here, no image service
    assert 'name="totp_code"' in page.text and 'name="recovery_code"' not in page.text  # nothing to recover yet


def test_after_enrolling_the_recovery_codes_are_shown_once_and_not_cached(portal, services):
    staff = access(role="school_admin", schools=["12AB01"]) | {"recovery_codes": CODES}
    services.on("POST", "/login", signed_in(staff))
    page = log_in(portal, totp_code="123456", next="/staff")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert all(code in page.text for code in CODES)
    assert 'href="/staff"' in page.text
    sent = json.loads(services.sent("POST", "/login")[0].content)
    assert sent["totp_code"] == "123456" and "recovery_code" not in sent


def test_the_second_step_takes_a_recovery_code_and_says_when_it_was_used(portal, services):
    asked = {"detail": "…", "code": "second_factor_required", "field": "totp_code", "second_factor": "required"}
    services.on("POST", "/login", asked, status=401)
    page = log_in(portal)
    assert "Herstelcode gebruiken" in page.text and 'name="recovery_code"' in page.text

    used = {"detail": "…", "code": "recovery_code_used", "field": "recovery_code", "second_factor": "required"}
    services.on("POST", "/login", used, status=401)
    page = log_in(portal, recovery_code="aaaa-bbbb-cccc")
    assert page.status_code == 422
    assert "Deze herstelcode is al gebruikt" in page.text and 'href="#recovery_code"' in page.text
    assert '<details class="recovery-code" open>' in page.text and "aaaa-bbbb-cccc" not in page.text
    assert json.loads(services.sent("POST", "/login")[-1].content)["recovery_code"] == "aaaa-bbbb-cccc"

    services.on("POST", "/login", signed_in(access(role="school_admin", schools=["12AB01"])))
    assert log_in(portal, recovery_code="DDDD-BBBB-CCCC").status_code == 303


def test_the_security_page_counts_the_codes_left_and_makes_a_new_set(portal, services):
    sign_in(portal, services, access(role="school_user", schools=["12AB01"]))
    services.on("GET", "/second-factor", {"enrolled": True, "recovery_codes_left": 2})
    page = portal.get("/account/security")
    assert page.status_code == 200
    assert "Nog 2 codes" in page.text and 'href="/password-reset"' in page.text

    services.on("POST", "/second-factor/recovery-codes", {"recovery_codes": CODES}, status=201)
    made = portal.post("/account/security/recovery-codes", data={"csrf_token": csrf(page)})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    assert all(code in made.text for code in CODES)


def test_without_a_second_step_there_is_no_new_set(portal, services):
    sign_in(portal, services, access(role="school_user", schools=["12AB01"]))
    services.on("GET", "/second-factor", {"enrolled": False, "recovery_codes_left": 0})
    page = portal.get("/account/security")
    assert "Make new recovery codes" not in page.text and "Nieuwe herstelcodes maken" not in page.text
    services.on("POST", "/second-factor/recovery-codes", {"detail": "enrol a second factor first"}, status=409)
    refused = portal.post("/account/security/recovery-codes", data={"csrf_token": csrf(page)})
    assert refused.status_code == 409 and "Uw account heeft die niet" in refused.text


def test_a_session_that_ran_out_says_so_at_the_login(portal, services):
    sign_in(portal, services, access(role="region_admin", minutes=0))
    services.on("POST", "/token", {"detail": "…", "code": "session_over"}, status=401)
    gone = portal.get("/region/staff", follow_redirects=False)
    assert gone.headers["location"] == "/login?next=/region/staff&ended=1"
    page = portal.get(gone.headers["location"])
    assert "Uw sessie is afgelopen" in page.text
    assert "Uw sessie is afgelopen" not in portal.get("/login").text  # only when it ran out


def test_the_region_lists_staff_a_sorted_page_at_a_time(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    services.on("GET", "/staff", lambda _: httpx.Response(200, json=[ACCOUNT], headers={"X-Total-Count": "120"}))
    page = portal.get("/region/staff?sort=-role&page=2")
    assert page.status_code == 200
    assert dict(services.sent("GET", "/staff")[0].url.params) == {"limit": "50", "offset": "50", "sort": "-role"}
    assert "beheer@12ab01.example" in page.text and "Schoolbeheerder" in page.text
    assert "pagina 2 van 3" in page.text and 'aria-sort="descending"' in page.text


def test_an_invitation_with_a_bad_address_comes_back_with_the_input_kept(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    form = csrf(portal.get("/region/staff/new"))
    data = {"csrf_token": form, "email": "geen-adres", "role": "school_user", "school": "12ab01", "groups": "8a, 8b"}
    page = portal.post("/region/staff/new", data=data)
    assert page.status_code == 422 and 'href="#email"' in page.text
    assert 'value="geen-adres"' in page.text and 'value="8a, 8b"' in page.text
    assert services.sent("POST", "/staff") == []

    services.on("POST", "/staff", {"detail": "juf@school.example already has an account"}, status=409)
    page = portal.post("/region/staff/new", data=data | {"email": "juf@school.example"})
    assert page.status_code == 422 and "heeft al een account" in page.text

    services.on("POST", "/staff", ACCOUNT, status=201)
    done = portal.post("/region/staff/new", data=data | {"email": "juf@school.example"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/region/staff?done=invited"
    sent = json.loads(services.sent("POST", "/staff")[-1].content)
    assert sent == {
        "email": "juf@school.example",
        "role": "school_user",
        "school": "12AB01",
        "groups": ["8a", "8b"],
        "language": "nl",
    }


def test_identity_refusing_the_school_points_at_the_school_field(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    form = csrf(portal.get("/region/staff/new"))
    refusal = {"detail": [{"loc": ["body", "school"], "msg": "not a BRIN", "type": "value_error"}]}
    services.on("POST", "/staff", refusal, status=422)
    data = {"csrf_token": form, "email": "a@b.nl", "role": "school_admin", "school": "X"}
    page = portal.post("/region/staff/new", data=data)
    assert page.status_code == 422 and 'href="#school"' in page.text


def test_the_region_deactivates_and_undoes_and_changes_a_role(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    path = f"/staff/{ACCOUNT['id']}"
    services.on("GET", path, ACCOUNT)
    page = portal.get(f"/region/{path.lstrip('/')}")
    assert page.status_code == 200 and "Deactiveren" in page.text
    token = csrf(page)

    services.on("POST", f"{path}/deactivation", ACCOUNT | {"state": "deactivated"})
    done = portal.post(f"/region{path}/deactivation", data={"csrf_token": token}, follow_redirects=False)
    assert done.headers["location"] == f"/region{path}?done=deactivated"

    services.on("DELETE", f"{path}/deactivation", {"detail": "this account is not deactivated"}, status=409)
    refused = portal.post(f"/region{path}/reactivation", data={"csrf_token": token})
    assert refused.status_code == 409 and "Dit kan nu niet" in refused.text

    services.on("PUT", f"{path}/role", ACCOUNT)
    data = {"csrf_token": token, "role": "school_user", "school": "12AB01", "groups": "8a", "board": "x"}
    changed = portal.post(f"/region{path}/role", data=data, follow_redirects=False)
    assert changed.headers["location"] == f"/region{path}?done=role"
    assert json.loads(services.sent("PUT", f"{path}/role")[0].content) == {
        "role": "school_user",
        "school": "12AB01",
        "groups": ["8a"],
    }
    missing = portal.post(f"/region{path}/role", data={"csrf_token": token, "role": "school_user"})
    assert missing.status_code == 422 and 'href="#school"' in missing.text


def test_staff_outside_the_region_get_the_not_found_page(portal, services):
    sign_in(portal, services, access(role="school_admin", schools=["12AB01"]))
    assert portal.get("/region/staff").status_code == 404
    assert portal.get(f"/region/staff/{ACCOUNT['id']}").status_code == 404
    assert services.sent("GET", "/staff") == []


def test_an_account_beyond_reach_is_not_found(portal, services):
    sign_in(portal, services, access(role="region_admin"))
    services.on("GET", "/staff/unknown", {"detail": "no such staff account within your reach"}, status=404)
    assert portal.get("/region/staff/unknown").status_code == 404


def test_while_looking_along_the_security_page_does_not_ask_for_the_users_second_step(portal, services):
    body = access(role="school_admin", schools=["12AB01"]) | {"impersonated_by": {"sub": "board_contact-1"}}
    sign_in(portal, services, body)
    page = portal.get("/account/security")
    assert page.status_code == 200 and "Terwijl u meekijkt" in page.text
    assert services.sent("GET", "/second-factor") == []


def test_a_teacher_turns_the_second_step_on_with_the_qr_code_and_gets_recovery_codes(portal, services):
    sign_in(portal, services, access(role="school_user", schools=["12AB01"]))
    services.on("GET", "/second-factor", {"enrolled": False, "recovery_codes_left": 0})
    page = portal.get("/account/security")
    services.on("POST", "/second-factor/totp", {"totp_secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": OTPAUTH})
    started = portal.post("/account/security/totp", data={"csrf_token": csrf(page)})
    assert started.status_code == 200 and started.headers["cache-control"] == "no-store"
    assert '<svg role="img"' in started.text and "JBSWY3DPEHPK3PXP" in started.text

    form = {"csrf_token": csrf(started), "totp_secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": OTPAUTH}
    services.on("POST", "/second-factor/totp/confirm", {"detail": "the code is not right"}, status=422)
    wrong = portal.post("/account/security/totp/confirm", data=form | {"totp_code": "000000"})
    assert wrong.status_code == 422 and 'href="#totp_code"' in wrong.text and '<svg role="img"' in wrong.text

    services.on("POST", "/second-factor/totp/confirm", {"recovery_codes": CODES})
    done = portal.post("/account/security/totp/confirm", data=form | {"totp_code": "123456"})
    assert done.status_code == 200 and all(code in done.text for code in CODES)
    assert json.loads(services.sent("POST", "/second-factor/totp/confirm")[-1].content) == {"code": "123456"}
