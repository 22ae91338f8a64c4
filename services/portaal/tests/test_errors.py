"""A service's refusal in the person's words: its values filled in, lists joined, moments written out; a
service that is unavailable for a moment (503) gives a page that says to try again, never an error."""

from portaal_support import access, csrf, signed_in

from loket.portaal import i18n
from loket.portaal.errors import MESSAGES, message
from loket.portaal.http.registration import _on_the_form
from loket.portaal.services import Problem, problems_of


def say(problem: Problem, language: str) -> str:
    return message(problem, i18n.translations(language).gettext, language)


def test_aanmeldings_list_rule_in_dutch_and_english():
    problem = Problem("list_too_short", "preferences", {"min": 4, "max": None, "count": 2, "advice": "vmbo_b"})
    assert say(problem, "nl") == "Uw lijst is te kort: kies minstens 4 scholen (nu 2)."
    assert say(problem, "en") == "Your list is too short: choose at least 4 schools (now 2)."


def test_lists_are_joined_and_moments_written_in_the_language():
    missing = Problem("schools_missing", "preferences", {"schools": ["Het Lyceum", "De Mavo"], "advice": "vmbo_gt"})
    assert say(missing, "nl").endswith("Deze ontbreken: Het Lyceum, De Mavo.")
    window = Problem(
        "window_not_open",
        None,
        {"round_name": "2e ronde", "opens": "2027-04-19T08:00:00+02:00", "closes": "2027-04-24T17:00:00+02:00"},
    )
    assert say(window, "nl") == "Aanmelden voor de 2e ronde kan van 19 april 2027, 08:00 tot 24 april 2027, 17:00."
    advice = Problem(
        "program_not_fitting_advice", None, {"program_name": "vwo", "school_name": "X", "advice": "vmbo_gt"}
    )
    assert say(advice, "en") == "vwo at X does not fit the advice vmbo-gt."


def test_an_unknown_code_or_a_missing_value_says_something_plain_never_the_english_detail():
    fallback = "Er ging iets mis. Controleer wat u hebt ingevuld en probeer het opnieuw."
    assert say(Problem("a_code_from_the_future"), "nl") == fallback
    assert say(Problem("list_too_short", None, {}), "nl").startswith("Er ging iets mis")
    assert all("{" not in text or "}" in text for text in MESSAGES.values())


def test_the_codes_and_fields_of_the_services_answers():
    unprocessable = {"detail": [{"loc": ["body", "preferences", 2], "msg": "…", "type": "program_twice", "ctx": {}}]}
    [problem] = problems_of(422, unprocessable)
    assert (problem.code, problem.field) == ("program_twice", "preferences.2")
    assert _on_the_form(problem).field == "programs.2"  # the ranking form's select
    assert _on_the_form(Problem("list_too_short", "preferences")).field == "programs.0"
    refused = problems_of(409, {"detail": "…", "code": "already_submitted", "ctx": {"state": "submitted"}})
    assert refused[0].code == "already_submitted" and refused[0].ctx == {"state": "submitted"}
    throttled = problems_of(429, {"detail": "…", "code": "throttled", "retry_after": 30})
    assert say(throttled[0], "nl") == "Te veel pogingen. Wacht 30 seconden en probeer het opnieuw."


# a service whose database is restarting (loket.contracts.runtime.errors): 503, Retry-After, this body
DATABASE_AWAY = {
    "detail": "The service cannot reach its database right now. Try again in a few seconds.",
    "code": "unavailable",
}
TRY_AGAIN_SOON = "Loket is nu niet bereikbaar. Probeer het over een paar minuten opnieuw."
PUPIL = "00000000-0000-0000-0000-000000000001"


def test_a_service_that_cannot_reach_its_database_gives_a_try_again_page(portal, services):
    services.on("POST", "/login", DATABASE_AWAY, status=503, **{"Retry-After": "5"})
    page = portal.post(
        "/login", data={"username": "10001", "password": "right password", "csrf_token": csrf(portal.get("/login"))}
    )
    assert page.status_code == 503
    assert TRY_AGAIN_SOON in page.text
    assert "cannot reach its database" not in page.text  # a service's English detail is never shown

    services.on("POST", "/login", signed_in(access()))
    portal.post(
        "/login", data={"username": "10001", "password": "right password", "csrf_token": csrf(portal.get("/login"))}
    )
    for path in (f"/pupils/{PUPIL}", f"/pupils/{PUPIL}/registration", "/procedure"):
        services.on("GET", path, DATABASE_AWAY, status=503, **{"Retry-After": "5"})
    page = portal.get("/registration/child", follow_redirects=False)
    assert page.status_code == 503
    assert TRY_AGAIN_SOON in page.text
    portal.get("/language/en?next=/")
    english = portal.get("/registration/child", follow_redirects=False)
    assert "Loket cannot be reached right now. Please try again in a few minutes." in english.text


def test_identity_unavailable_while_refreshing_keeps_the_person_signed_in(portal, services):
    services.on("POST", "/login", signed_in(access(minutes=0)))
    services.on("POST", "/token", DATABASE_AWAY, status=503, **{"Retry-After": "5"})
    portal.post(
        "/login", data={"username": "10001", "password": "right password", "csrf_token": csrf(portal.get("/login"))}
    )
    page = portal.get("/registration/child", follow_redirects=False)
    assert page.status_code == 503 and TRY_AGAIN_SOON in page.text  # not the login: the session goes on

    fresh = access()
    services.on("POST", "/token", signed_in(fresh))
    services.on("GET", f"/pupils/{PUPIL}", DATABASE_AWAY, status=503)
    assert portal.get("/registration/child", follow_redirects=False).status_code == 503
    # once identity was back, the same session got a fresh token and went on with it
    assert services.sent("POST", "/token")[-1].headers["cookie"] == "loket_refresh=refresh-1"
    assert services.sent("GET", f"/pupils/{PUPIL}")[-1].headers["authorization"] == f"Bearer {fresh['access_token']}"
