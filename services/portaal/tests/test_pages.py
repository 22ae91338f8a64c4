"""The portal's own rules, with stand-in services: forms need the session's token, refusals come back in
the person's language with the input kept, cookies and headers are strict, and nothing leaves the portal."""

import json
from urllib.parse import quote

import httpx
from portaal_support import access, csrf, signed_in

PUPIL = "00000000-0000-0000-0000-000000000001"


def test_every_page_sends_a_strict_policy_and_no_referrer(portal):
    page = portal.get("/login")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert "<script" not in page.text  # nothing to run: every page works without JavaScript


def test_a_form_without_the_sessions_token_changes_nothing(portal, services):
    services.on("POST", "/login", signed_in(access()))
    portal.get("/login")
    refused = portal.post("/login", data={"username": "10001", "password": "secret secret"})
    assert refused.status_code == 400
    assert "Probeer het opnieuw" in refused.text
    forged = portal.post("/login", data={"username": "10001", "password": "x", "csrf_token": "not-the-token"})
    assert forged.status_code == 400
    assert services.sent("POST", "/login") == []


def test_a_wrong_password_comes_back_in_dutch_with_the_username_kept(portal, services):
    detail = "Onjuiste gebruikersnaam of wachtwoord. / Wrong username or password."
    services.on("POST", "/login", {"detail": detail, "code": "wrong_credentials"}, status=401)
    token = csrf(portal.get("/login"))
    page = portal.post("/login", data={"username": "10001", "password": "nope nope nope", "csrf_token": token})
    assert page.status_code == 422
    assert "De gebruikersnaam of het wachtwoord klopt niet." in page.text
    assert "Wrong username" not in page.text  # a service's English detail is never shown
    assert 'value="10001"' in page.text and "nope nope nope" not in page.text
    assert 'href="#password"' in page.text  # the error summary links to the field
    assert page.text.count("<title>Fout:") == 1


def test_signing_in_keeps_identitys_session_and_sends_the_client_address(portal, services):
    services.on("POST", "/login", signed_in(access()))
    token = csrf(portal.get("/login"))
    done = portal.post(
        "/login",
        data={"username": "10001", "password": "right password", "csrf_token": token, "next": "/registration/child"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/registration/child"
    assert services.sent("POST", "/login")[0].headers["x-forwarded-for"] == "testclient"
    assert csrf(portal.get("/login?next=/x", follow_redirects=True)) != token  # a new form token after signing in


def test_after_signing_in_the_services_are_called_with_the_persons_token(portal, services):
    body = access()
    services.on("POST", "/login", signed_in(body))
    services.on("GET", "/documents/x", {})
    services.on(
        "GET",
        f"/pupils/{PUPIL}/documents/proof-of-registration.pdf",
        lambda _: httpx.Response(200, content=b"%PDF-1.7"),
    )
    token = csrf(portal.get("/login"))
    portal.post("/login", data={"username": "10001", "password": "right password", "csrf_token": token})
    pdf = portal.get("/documents/proof-of-registration.pdf")
    assert pdf.status_code == 200 and pdf.content == b"%PDF-1.7"
    sent = services.sent("GET", f"/pupils/{PUPIL}/documents/proof-of-registration.pdf")[0]
    assert sent.headers["authorization"] == f"Bearer {body['access_token']}"


def test_an_expired_token_is_refreshed_with_identitys_cookie(portal, services):
    services.on("POST", "/login", signed_in(access(minutes=0)))
    fresh = access()
    services.on("POST", "/token", signed_in(fresh))
    services.on(
        "GET", f"/pupils/{PUPIL}/documents/control-document.pdf", lambda _: httpx.Response(200, content=b"%PDF")
    )
    token = csrf(portal.get("/login"))
    portal.post("/login", data={"username": "10001", "password": "right password", "csrf_token": token})
    assert portal.get("/documents/control-document.pdf").status_code == 200
    assert services.sent("POST", "/token")[0].headers["cookie"] == "loket_refresh=refresh-1"
    sent = services.sent("GET", f"/pupils/{PUPIL}/documents/control-document.pdf")[0]
    assert sent.headers["authorization"] == f"Bearer {fresh['access_token']}"


def test_a_session_identity_ended_sends_the_person_to_the_login(portal, services):
    services.on("POST", "/login", signed_in(access(minutes=0)))
    services.on("POST", "/token", {"detail": "Log opnieuw in.", "code": "session_over"}, status=401)
    token = csrf(portal.get("/login"))
    portal.post("/login", data={"username": "10001", "password": "right password", "csrf_token": token})
    gone = portal.get("/registration/child", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?next=/registration/child"


def test_logging_out_ends_identitys_session_too(portal, services):
    services.on("POST", "/login", signed_in(access()))
    services.on("POST", "/logout", lambda _: httpx.Response(204))
    token = csrf(portal.get("/login"))
    portal.post("/login", data={"username": "10001", "password": "right password", "csrf_token": token})
    page = portal.post("/logout", data={"csrf_token": csrf(portal.get("/login?next=/x"))})
    assert "U bent uitgelogd" in page.text
    assert services.sent("POST", "/logout")[0].headers["cookie"] == "loket_refresh=refresh-1"
    assert portal.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_the_language_is_remembered_and_only_local_pages_are_returned_to(portal):
    switched = portal.get(f"/language/en?next={quote('/password-reset')}", follow_redirects=False)
    assert switched.headers["location"] == "/password-reset"
    assert "loket_lang=en" in switched.headers["set-cookie"]
    page = portal.get("/password-reset")
    assert '<html lang="en"' in page.text and "Forgot your password?" in page.text
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        away = portal.get(f"/language/nl?next={quote(elsewhere)}", follow_redirects=False)
        assert away.headers["location"] == "/"


def test_a_tampered_session_cookie_is_a_new_anonymous_session(portal, services):
    services.on("POST", "/login", signed_in(access()))
    token = csrf(portal.get("/login"))
    portal.post("/login", data={"username": "10001", "password": "right password", "csrf_token": token})
    sealed = portal.cookies["loket_portaal"]
    portal.cookies.set("loket_portaal", sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB"))
    assert portal.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_the_design_systems_css_is_served_by_the_portal_itself_and_cached(portal):
    css = portal.get("/static/vendor/utrecht/index.css?v=1")
    assert css.status_code == 200 and ".utrecht-button" in css.text
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    theme = portal.get("/static/vendor/theme/theme.css?v=1")
    assert theme.status_code == 200 and ".voorbeeld-theme" in theme.text


def test_staff_with_a_second_factor_type_the_code_from_their_app(portal, services):
    sent: list[dict[str, str]] = []

    def identity(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        if body.get("totp_code") == "123456":
            return signed_in(access(pupil=None))(request)
        enrol = {"second_factor": "enrolment_required", "totp_secret": "JBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://x"}
        detail = "Voeg deze sleutel toe … / Add this key …"
        return httpx.Response(
            401, json={"detail": detail, "code": "second_factor_enrolment", "field": "totp_code", **enrol}
        )

    services.on("POST", "/login", identity)
    token = csrf(portal.get("/login"))
    form = {"username": "beheer@regio.example", "password": "a long password", "csrf_token": token}
    page = portal.post("/login", data=form)
    assert page.status_code == 422
    assert 'id="totp_code"' in page.text and "JBSWY3DPEHPK3PXP" in page.text
    assert 'href="#totp_code"' in page.text  # the error summary leads to the code's field
    done = portal.post("/login", data={**form, "totp_code": "123456"}, follow_redirects=False)
    assert done.status_code == 303
    assert sent[-1] == {"username": "beheer@regio.example", "password": "a long password", "totp_code": "123456"}
