"""A service's refusal in the person's words: its values filled in, lists joined, moments written out."""

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
