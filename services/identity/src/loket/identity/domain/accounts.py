"""Parent accounts and their activation, free of any framework.

A parent account is opened for one pupil when the primary school asks for the parent's login
("ouderinlog versturen"), one pupil at a time. It stays pending until the parent follows the mailed
link, answers two questions only the family knows (the child's school and birth date) and sets a
password. The school sees how far it got as a dot (`LoginState`): not sent (white), sent (blue),
activated (green), and locked after too many wrong answers. Staff accounts (`staff.py`) go through
the same account states, and the same kind of single-use link (an invitation).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum

from loket.identity.domain.problems import ErrorCode, FormField

TOKEN_BYTES = 32  # 256 bits; the token is stored only as its SHA-256


class AccountState(StrEnum):
    PENDING = "pending"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"  # staff only, by an administrator: no login, no sessions


class MailState(StrEnum):
    NOT_SENT = "not_sent"
    SENT = "sent"
    FAILED = "failed"


class LoginState(StrEnum):
    """A parent login as the primary school sees it: the dot in its list of pupils."""

    NOT_SENT = "not_sent"  # white: not asked for yet, or the mail has not gone out yet
    SENT = "sent"  # blue: the mail server took the activation mail
    FAILED = "failed"  # the activation mail could not be delivered: the school checks the address
    ACTIVATED = "activated"  # green: the parent chose a password
    LOCKED = "locked"  # too many wrong answers: the school asks for a new link


def login_state(account: AccountState, mail: MailState, *, locked: bool) -> LoginState:
    if account == AccountState.ACTIVATED:
        return LoginState.ACTIVATED
    if locked:
        return LoginState.LOCKED
    return {MailState.SENT: LoginState.SENT, MailState.FAILED: LoginState.FAILED}.get(mail, LoginState.NOT_SENT)


class Parent(IntEnum):
    """Which parent of a pupil a login is for. Every pupil has a first parent's login; a region may
    allow a second one (`LOKET_IDENTITY_SECOND_PARENT`)."""

    FIRST = 1
    SECOND = 2


def parent_username(elk_number: str, parent: Parent) -> str:
    """The first parent logs in with the child's ELK number, a second parent with `<ELK number>-2`."""
    return elk_number if parent == Parent.FIRST else f"{elk_number}-{int(parent)}"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    digest: str
    expires_at: datetime


def issue_token(now: datetime, valid_for: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return IssuedToken(token=token, digest=token_digest(token), expires_at=now + valid_for)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ActivationRefused(Exception):
    """Why an activation, invitation or reset link cannot be used, or an answer or password does not do:
    the message is shown to its user; `code` names it for a portal, `field` the form field it concerns,
    `facts` the numbers in the message."""

    def __init__(self, message: str, code: ErrorCode, field: FormField | None = None, **facts: int) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.facts = facts  # the numbers the message names (`min_length`), for a portal's own sentence


ASK_THE_SCHOOL = ("Vraag de basisschool om een nieuwe.", "Ask the primary school for a new one.")


def check_usable(
    *,
    expires_at: datetime,
    used_at: datetime | None,
    now: datetime,
    ask_for_new: tuple[str, str] = ASK_THE_SCHOOL,
    locked_at: datetime | None = None,
) -> None:
    """`ask_for_new` says, in Dutch and English, where a new link comes from."""
    if used_at is not None:
        raise ActivationRefused("Deze link is al gebruikt. / This link has already been used.", ErrorCode.LINK_USED)
    if locked_at is not None:
        raise ActivationRefused(link_locked(ask_for_new), ErrorCode.LINK_LOCKED)
    if now >= expires_at:
        raise ActivationRefused(link_expired(ask_for_new), ErrorCode.LINK_EXPIRED)


def link_expired(ask_for_new: tuple[str, str] = ASK_THE_SCHOOL) -> str:
    dutch, english = ask_for_new
    return f"Deze link is verlopen. {dutch} / This link has expired. {english}"


def link_locked(ask_for_new: tuple[str, str] = ASK_THE_SCHOOL) -> str:
    dutch, english = ask_for_new
    return (
        f"Deze link is geblokkeerd na te veel foute antwoorden. {dutch} / "
        f"This link is locked after too many wrong answers. {english}"
    )


@dataclass(frozen=True)
class Answers:
    """What the parent answers at activation: the child's school (by its BRIN, picked by name from a
    list) and the child's birth date."""

    school_brin: str
    birth_date: date


DATE_FORMATS = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),  # 2014-03-09, as <input type=date> sends
    re.compile(r"(?P<day>\d{1,2})[-/. ](?P<month>\d{1,2})[-/. ](?P<year>\d{4})"),  # 9-3-2014, as the Dutch write
)


def read_birth_date(typed: str) -> date:
    """A date as a browser's date field sends it, or as it is written in the Netherlands (dd-mm-jjjj)."""
    for pattern in DATE_FORMATS:
        found = pattern.fullmatch(typed.strip())
        if found:
            try:
                return date(int(found["year"]), int(found["month"]), int(found["day"]))
            except ValueError:
                break
    raise ActivationRefused(
        "Vul de geboortedatum van uw kind in als dag-maand-jaar, bijvoorbeeld 09-03-2014. / "
        "Enter your child's birth date as day-month-year, for example 09-03-2014.",
        ErrorCode.BIRTH_DATE_INVALID,
        FormField.BIRTH_DATE,
    )


def school_code(typed: str) -> str:
    return re.sub(r"\s+", "", typed).upper()


def answers_right(*, school_brin: str | None, birth_date: date | None, given: Answers) -> bool:
    """Both must be right; the parent is not told which one was not, so neither can be found alone."""
    if school_brin is None or birth_date is None:
        return False
    return school_code(given.school_brin) == school_code(school_brin) and given.birth_date == birth_date


def wrong_answers_message(attempts_left: int) -> str:
    return (
        f"De school of de geboortedatum klopt niet. U kunt het nog {attempts_left} keer proberen. / "
        f"The school or the birth date is not right. You can try {attempts_left} more time"
        f"{'' if attempts_left == 1 else 's'}."
    )
