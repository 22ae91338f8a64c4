"""identity refuses a new password that is too short, repeats itself, is the username or is a common
one: the portal says each in the person's language, never the generic "something went wrong"."""

from loket.identity.domain.problems import ErrorCode
from loket.portaal import i18n
from loket.portaal.errors import MESSAGES, message
from loket.portaal.services import Problem

SENTENCE = {
    "nl": "Kies een ander, bijvoorbeeld een zinnetje van een paar woorden.",
    "en": "Choose another one, for example a short sentence of a few words.",
}


def say(code: str, language: str) -> str:
    return message(Problem(code, "password"), i18n.translations(language).gettext, language)


def test_every_password_refusal_of_identity_has_its_own_words():
    refusals = {code.value for code in ErrorCode if code.value.startswith("password")}
    assert {"password_repetitive", "password_like_username", "password_common"} <= refusals
    assert refusals <= set(MESSAGES)


def test_the_new_password_rules_are_said_in_dutch_and_english():
    assert say("password_common", "nl").startswith("Veel mensen gebruiken dit wachtwoord.")
    assert say("password_like_username", "nl").startswith("Dit wachtwoord is (bijna) uw gebruikersnaam")
    assert say("password_repetitive", "en").startswith("This password repeats the same characters.")
    for code in ("password_common", "password_like_username", "password_repetitive"):
        for language, sentence in SENTENCE.items():
            assert say(code, language).endswith(sentence)
