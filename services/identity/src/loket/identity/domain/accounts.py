"""Parent accounts and their activation, free of any framework.

A parent account is opened for one pupil when the primary school registers the first parent's
address. It stays pending until the parent follows the mailed link and sets a password. The school
sees how far it got as a dot: not sent (white), sent (blue), activated (green). Staff accounts
(`staff.py`) go through the same states, and the same kind of single-use link (an invitation).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

TOKEN_BYTES = 32  # 256 bits; the token is stored only as its SHA-256
MIN_PASSWORD_LENGTH = 10


class AccountState(StrEnum):
    PENDING = "pending"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"  # staff only, by an administrator: no login, no sessions


class MailState(StrEnum):
    NOT_SENT = "not_sent"
    SENT = "sent"
    FAILED = "failed"


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
    """Why an activation, invitation or reset link cannot be used; the message is shown to its user."""


ASK_THE_SCHOOL = ("Vraag de basisschool om een nieuwe.", "Ask the primary school for a new one.")


def check_usable(
    *,
    expires_at: datetime,
    used_at: datetime | None,
    now: datetime,
    ask_for_new: tuple[str, str] = ASK_THE_SCHOOL,
) -> None:
    """`ask_for_new` says, in Dutch and English, where a new link comes from."""
    if used_at is not None:
        raise ActivationRefused("Deze link is al gebruikt. / This link has already been used.")
    if now >= expires_at:
        dutch, english = ask_for_new
        raise ActivationRefused(f"Deze link is verlopen. {dutch} / This link has expired. {english}")


def check_password(password: str, repeated: str) -> None:
    if password != repeated:
        raise ActivationRefused("De wachtwoorden zijn niet gelijk. / The two passwords are not the same.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ActivationRefused(
            f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens. / "
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
        )


def activation_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/activate/{token}"
