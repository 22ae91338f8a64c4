"""What a service's refusal means, in the person's language.

The services answer with a stable `code` beside an English `detail`; this is the one place that gives
each code words a parent understands. The words are catalog entries (English source, Dutch and other
languages in translations/), so a page never shows a service's English `detail` to someone reading Dutch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loket.portaal.i18n import N_, when

# an advice in a message is written as schools write it (vmbo_gt → vmbo-gt)
ADVICE_CODES = frozenset(
    {"pro", "vmbo_b", "vmbo_b/vmbo_k", "vmbo_k", "vmbo_k/vmbo_gt", "vmbo_gt", "vmbo_gt/havo", "havo", "havo/vwo", "vwo"}
)

MESSAGES: dict[str, str] = {
    # the portal's own checks
    "required": N_("Fill this in."),
    "choose_yes_or_no": N_("Choose yes or no."),
    "choose_at_least_one": N_("Choose at least one school."),
    "form_expired": N_("This form was open too long or came from somewhere else. Please try again."),
    "service_unavailable": N_("Loket cannot be reached right now. Please try again in a few minutes."),
    "signed_out": N_("Please log in again."),
    # dossier: the primary school's pupils, advice and imports
    "advice_missing": N_("Choose an advice."),
    "advice_unknown": N_("This is not an advice. Choose one from the list."),
    "advice_below_doorstroomtoets": N_(
        "The doorstroomtoets result is higher than this advice. Raise the advice, or write why it is not raised."
    ),
    "file_columns_missing": N_("This file misses columns that are needed. Check the columns below and try again."),
    "parent_login_refused": N_("This login cannot be sent: the parent has activated it already."),
    "parent_email_missing": N_("There is no e-mail address for this parent. Add it under the pupil's details first."),
    "email_invalid": N_("Write the e-mail address like name@example.com."),
    "pupil_missing": N_("Choose the pupil this result belongs to."),
    "external_school_in_region": N_("This school is in the region: its own staff add the pupil. Check the BRIN."),
    "birth_date_out_of_range": N_("This birth date cannot be right for a pupil of group 8. Check it."),
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
    "password_repetitive": N_(
        "This password repeats the same characters. Choose another one, for example a short sentence of a few words."
    ),
    "password_like_username": N_(
        "This password is (almost) your username or e-mail address. Choose another one, for example a short "
        "sentence of a few words."
    ),
    "password_common": N_(
        "Many people use this password, so it is easy to guess. Choose another one, for example a short sentence "
        "of a few words."
    ),
    "second_factor_required": N_("Enter the code from your authenticator app."),
    "second_factor_wrong": N_("The code is not right. Enter the new code from your app."),
    "second_factor_enrolment": N_("Add this key to an authenticator app. Then log in with a code from the app."),
    "recovery_code_wrong": N_("This recovery code is not right. Check it, or use another one."),
    "recovery_code_used": N_("This recovery code has been used already. Each code works once: use another one."),
    "recovery_codes_without_second_factor": N_("Recovery codes come with a second step. Your account has none."),
    # identity: staff accounts (the region's pages)
    "staff_email_invalid": N_("Write the e-mail address like name@school.nl."),
    "staff_email_taken": N_("This e-mail address already has an account."),
    "staff_role_missing": N_("Choose a role."),
    "staff_role_invalid": N_("This role cannot have a school, board or groups. Leave those empty."),
    "staff_school_missing": N_("Give the school: its BRIN with location, for example 12AB01."),
    "staff_school_invalid": N_("Give the school as its BRIN with location, for example 12AB01."),
    "staff_board_missing": N_("Give the board's code."),
    "staff_board_invalid": N_("A school role has a school, not a board. Leave the board empty."),
    "staff_groups_invalid": N_("Groups are only for a school staff member: names like 8a, separated by commas."),
    "staff_state_changed": N_("This cannot be done now: the account changed. Look at its state and try again."),
    # aanmelding: the registration's steps (422, each at its field)
    "correction_missing": N_("Write what is wrong, so the school can correct it."),
    "signature_missing": N_("Type your name to sign."),
    "program_unknown": N_("This is not a school program in this region. Choose one from the list."),
    "program_twice": N_("{program_name} at {school_name} is on your list twice."),
    "program_not_fitting_advice": N_("{program_name} at {school_name} does not fit the advice {advice}."),
    "one_school_only": N_("With this advice you choose one school only."),
    "schools_missing": N_("Put every school that fits the advice on your list. Missing: {schools}."),
    "school_twice": N_("Put each school on your list only once: {schools}."),
    "list_too_short": N_("Your list is too short: choose at least {min} schools (now {count})."),
    "list_too_long": N_("Your list is too long: choose at most {max} schools (now {count})."),
    "priority_not_at_first_choice": N_("You can ask for priority only at your first choice."),
    "priority_not_offered": N_("{school_name} does not give this kind of priority."),
    "sibling_missing": N_("Give the name and class of the brother or sister."),
    "not_a_multiple_birth": N_("This is only for twins or triplets."),
    "sibling_elk_number_missing": N_("Give the ELK number of the brother or sister."),
    "sibling_elk_number_own": N_("This is your own child's ELK number. Give the number of the brother or sister."),
    "sibling_elk_number_unknown": N_("We do not know ELK number {elk_number}. Check it on the letter from the school."),
    "no_equivalent_program": N_("{program_name} has no similar department."),
    # aanmelding: not now (409)
    "waiting_for_advice": N_("You can register when the primary school has given the final advice."),
    "window_not_open": N_("Registration for the {round_name} opens on {opens} and closes on {closes}."),
    "procedure_over": N_("Registration is closed for this year. Ask the primary school for help."),
    "window_closed": N_("Registration is closed. Ask the primary school for help."),
    "not_started": N_("Start the registration first."),
    "already_submitted": N_("Your registration is already sent. To change it, withdraw it first."),
    "preferences_missing": N_("First choose your schools, then sign."),
    "steps_missing": N_("You are not finished yet. Please do all the steps first."),
    "not_submitted": N_("You can only withdraw a registration that you sent."),
    "already_placed": N_("Your child already has a place from the {round_name}."),
    "result_pending": N_("The result of the {round_name} comes on {publication_at}. Please wait for it."),
    "not_published": N_("The result is not published yet."),
    "no_registration": N_("There is no registration yet."),
    "no_preferences": N_("Choose the schools first."),
    "pupil_not_found": N_("We cannot find this child."),
    # dossier: the OKI-doc, its attachments, notes and questions (primary school)
    "school_year_format": N_("Write the school year as 2024-2025."),
    "int_parsing": N_("Write a whole number, for example 8."),
    "int_from_float": N_("Write a whole number, for example 8."),
    "greater_than_equal": N_("Write {ge} or more."),
    "less_than_equal": N_("Write {le} or less."),
    "string_too_long": N_("Write at most {max_length} characters."),
    "date_from_datetime_parsing": N_("Write the date as day-month-year."),
    "date_parsing": N_("Write the date as day-month-year."),
    "value_error": N_("This is not right. Check what you wrote here."),
    "enum": N_("Choose one of the options."),
    "missing": N_("Fill this in."),
    "oki_doc_incomplete": N_("The OKI-doc is not complete yet. Fill in the fields in the checklist."),
    "oki_doc_not_ready_for_final": N_("Before the OKI-doc becomes final, fill in the fields in the checklist."),
    "reopen_not_allowed": N_("Only a school administrator can reopen a final OKI-doc."),
    "oki_doc_final": N_("This OKI-doc is final (Definitief) and cannot be changed. An administrator can reopen it."),
    "file_missing": N_("Choose a file to add."),
    "file_too_large": N_("The file is too large."),
    "file_type": N_("Add a PDF, PNG or JPEG file."),
    "too_many_attachments": N_("This OKI-doc has the most attachments it can have."),
    "question_answered": N_("This question has already been answered."),
    # aanmelding: forwarding the parents' lists (Zaanstad)
    "consent_given_by_missing": N_("Write which parent agreed to the change."),
    "consent_how_missing": N_("Write how the parent agreed to the change."),
    "not_waiting_for_forwarding": N_("This list is not waiting to be forwarded (any more)."),
    "outside_forwarding_window": N_("Forwarding for the {round_name} is open from {opens} to {closes}."),
    "no_forwarding_in_region": N_("In this region the parents send the list to the secondary school themselves."),
    # aanmelding, dossier, notificatie: the secondary school's decisions, questions and letters
    "choose_grant_or_reject": N_("Choose whether you grant or reject the priority."),
    "reason_missing": N_("Write the reason."),
    "note_missing": N_("Write the note."),
    "question_missing": N_("Write your question."),
    "no_priority_claimed": N_("No priority was asked for in this registration."),
    "lottery_has_run": N_("The lottery of the {round_name} has run. The decision can no longer change."),
    "school_staff_only": N_("Only the school's own staff can do this."),
    "choose_pupils": N_("Choose at least one pupil."),
    "reply_weeks": N_("Write a number of weeks from 1 to 12."),
    "publication_passed": N_("The publication moment has passed. Letters can no longer be prepared for it."),
    "letter_pupil_refused": N_("A letter cannot be prepared for one of these pupils."),
    "letter_sent": N_("This letter has already been sent."),
    # aanmelding and loting: the round's lottery and its ceremony (the region, the notary)
    "registration_still_open": N_(
        "Registration in the {round_name} is open until {closes}. Take the market after that."
    ),
    "market_empty": N_("No registration has reached a school in the {round_name} yet: there is no market to take."),
    "ceremony_already_requested": N_("Loting was already asked for this ceremony on {requested_at}."),
    "lottery_applied_already": N_("This lottery's result is applied already. After adding seats, take a new market."),
    "lottery_not_applied": N_("This lottery's result is not applied yet."),
    "lottery_not_found": N_("This lottery does not exist."),
    "round_not_found": N_("This round does not exist."),
    "region_only": N_("Only the region's administrator can do this."),
    "notary_missing": N_("Write the name of the notary."),
    "seed_missing": N_("Enter the seed: a value for this source."),
    "seed_out_of_order": N_(
        "This step cannot be done now: the commitment is not published yet, or the seed was already entered. "
        "Reload the page."
    ),
    "seed_refused": N_("Loting refused this seed. Check the values and try again."),
    "cannot_look_along": N_("You cannot look along as this staff member: the account is not active."),
    "http_403": N_("You cannot see this page."),
    "http_404": N_("This page does not exist."),
    "http_409": N_("This cannot be done now."),
    "http_422": N_("Something is not filled in right."),
    "http_429": N_("Too many attempts. Please wait a moment and try again."),
}
FALLBACK = N_("Something went wrong. Please check what you filled in and try again.")


def message(problem: Any, gettext: Callable[[str], str], language: str = "nl") -> str:
    """The problem's message in the catalog's language, its values filled in: lists joined, moments
    written out in the language."""
    text = MESSAGES.get(problem.code) or FALLBACK
    translated = gettext(text)
    values = {key: _written(value, language) for key, value in problem.ctx.items()}
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):
        return gettext(FALLBACK)


def _written(value: Any, language: str) -> Any:
    if isinstance(value, list):
        return ", ".join(str(_written(item, language)) for item in value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return when(value, language)
        except ValueError:
            return value
    if isinstance(value, str):
        return value.replace("_", "-") if value in ADVICE_CODES else value
    return value
