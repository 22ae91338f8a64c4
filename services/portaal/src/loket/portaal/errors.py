"""What a service's refusal means, in the person's language.

The services answer with a stable `code` beside an English `detail`; this is the one place that gives
each code words a parent understands. The words are catalog entries (English source, Dutch and other
languages in translations/), so a page never shows a service's English `detail` to someone reading Dutch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loket.portaal.i18n import N_

MESSAGES: dict[str, str] = {
    # the portal's own checks
    "required": N_("Fill this in."),
    "choose_yes_or_no": N_("Choose yes or no."),
    "choose_at_least_one": N_("Choose at least one school."),
    "form_expired": N_("This form was open too long or came from somewhere else. Please try again."),
    "service_unavailable": N_("Loket cannot be reached right now. Please try again in a few minutes."),
    "signed_out": N_("Please log in again."),
    # identity: signing in, links
    "wrong_credentials": N_("The username or password is not right."),
    "account_deactivated": N_("This account has been switched off. Ask the school for help."),
    "throttled": N_("Too many attempts. Please wait {retry_after} seconds and try again."),
    "session_over": N_("Please log in again."),
    "link_unknown": N_("This link does not work. Ask for a new link."),
    "link_used": N_("This link has already been used. Log in with your username and password."),
    "link_expired": N_("This link has expired. Ask the school to send a new one."),
    "link_locked": N_("This link is locked after too many wrong answers. Ask the school to send a new one."),
    "wrong_answers": N_("The school or the birth date is not right. You can try {attempts_left} more times."),
    "school_missing": N_("Choose your child's school."),
    "birth_date_invalid": N_("Write the birth date as day-month-year, for example 09-03-2014."),
    "password_too_short": N_("Choose a password of at least {min_length} characters."),
    "passwords_differ": N_("The two passwords are not the same. Type the same password twice."),
    "second_factor_required": N_("Enter the code from your authenticator app."),
    "second_factor_wrong": N_("The code is not right. Enter the new code from your app."),
    "second_factor_enrolment": N_("Add this key to an authenticator app. Then log in with a code from the app."),
    # aanmelding: the registration
    "correction_missing": N_("Write what is wrong, so the school can correct it."),
    "signature_missing": N_("Type your name to sign."),
    "not_published": N_("The result is not published yet."),
    "http_403": N_("You cannot see this page."),
    "http_404": N_("This page does not exist."),
    "http_409": N_("This cannot be done now."),
    "http_422": N_("Something is not filled in right."),
    "http_429": N_("Too many attempts. Please wait a moment and try again."),
}
FALLBACK = N_("Something went wrong. Please check what you filled in and try again.")


def message(problem: Any, gettext: Callable[[str], str]) -> str:
    """The problem's message in the catalog's language, its numbers filled in."""
    text = MESSAGES.get(problem.code) or MESSAGES.get(f"http_{getattr(problem, 'status', '')}") or FALLBACK
    translated = gettext(text)
    try:
        return translated.format(**problem.ctx)
    except (KeyError, IndexError, ValueError):
        return gettext(FALLBACK) if "{" in translated else translated
