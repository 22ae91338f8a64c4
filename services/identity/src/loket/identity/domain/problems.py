"""The stable, machine-readable names of what a person can get wrong at identity's public routes.

Every 4xx JSON answer of `POST /login`, `POST /token`, `POST /password-reset` and of the activation,
invitation and reset links carries one `code` from `ErrorCode` beside its bilingual `detail`, and, where
the problem is one form field, that field's name (`FormField`), so that a portal can say it in the
parent's own language, next to the right field. The values never change: a portal's translation
catalogs are keyed by them (docs/tokens.md, "Error codes").
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # login and sessions
    WRONG_CREDENTIALS = "wrong_credentials"  # unknown username, no password yet, or a wrong password: the same
    ACCOUNT_DEACTIVATED = "account_deactivated"
    SECOND_FACTOR_REQUIRED = "second_factor_required"  # give the code from the authenticator app
    SECOND_FACTOR_ENROLMENT = "second_factor_enrolment"  # add the secret to an app, then log in with a code
    SECOND_FACTOR_WRONG = "second_factor_wrong"  # the code was not right (enrolled or enrolling)
    RECOVERY_CODE_WRONG = "recovery_code_wrong"  # not a recovery code of this account
    RECOVERY_CODE_USED = "recovery_code_used"  # that recovery code was used before: each works once
    SESSION_OVER = "session_over"  # no (valid) refresh cookie: log in again
    THROTTLED = "throttled"  # too many attempts: the answer says `retry_after` (seconds)
    # links: activation, invitation, reset
    LINK_UNKNOWN = "link_unknown"
    LINK_USED = "link_used"
    LINK_EXPIRED = "link_expired"
    LINK_LOCKED = "link_locked"  # activation only: too many wrong answers
    # the activation questions (the parent is never told which of the two answers was wrong)
    SCHOOL_MISSING = "school_missing"
    BIRTH_DATE_INVALID = "birth_date_invalid"
    WRONG_ANSWERS = "wrong_answers"
    # a new password
    PASSWORDS_DIFFER = "passwords_differ"
    PASSWORD_TOO_SHORT = "password_too_short"  # noqa: S105 - a name, not a password
    PASSWORD_REPETITIVE = "password_repetitive"  # noqa: S105 - one character (or a few) over and over
    PASSWORD_LIKE_USERNAME = "password_like_username"  # noqa: S105 - (almost) all the username or e-mail address
    PASSWORD_COMMON = "password_common"  # noqa: S105 - in the bundled list of common and breached passwords


class FormField(StrEnum):
    """The name of the form field a problem concerns, as the forms and the JSON bodies name it."""

    PASSWORD = "password"  # noqa: S105 - a name, not a password
    PASSWORD_REPEAT = "password_repeat"  # noqa: S105
    TOTP_CODE = "totp_code"
    RECOVERY_CODE = "recovery_code"
    SCHOOL = "school"
    BIRTH_DATE = "birth_date"
