"""Throttling: how many failed attempts a sliding window allows, per account and per client address.

Every failed login, every wrong or unknown link and every reset request is one attempt, kept with
its time. When the window already holds `attempts` of them for the same account (or address), the
next try is refused until the oldest of those leaves the window; the caller is told how long that is.
An account is keyed by a digest of what was typed, so an unknown username is throttled exactly like
a known one, and no typed text (a password in the wrong field) is ever stored.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AttemptKind(StrEnum):
    LOGIN = "login"  # a wrong password, an unknown account, a wrong second factor
    LINK = "link"  # an unknown, used or expired activation, invitation or reset link
    RESET_REQUEST = "reset_request"  # every request for a reset mail, successful or not
    WRONG_ANSWER = "wrong_answer"  # a wrong school or birth date at activation (also counted per link)


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta


def account_key(kind: AttemptKind, typed: str) -> str:
    """What an attempt is counted under for one account: a digest, never the typed text."""
    return hashlib.sha256(f"{kind}:{typed.strip().lower()}".encode()).hexdigest()


def retry_after(newest: Sequence[datetime], limit: Limit, now: datetime) -> int | None:
    """Seconds until one more attempt is allowed, or None if it is allowed now.

    `newest` holds the most recent attempts (at most `limit.attempts` are needed), newest first.
    """
    recent = sorted((moment for moment in newest if moment > now - limit.window), reverse=True)
    if len(recent) < limit.attempts:
        return None
    oldest_that_counts = recent[limit.attempts - 1]
    return max(1, math.ceil((oldest_that_counts + limit.window - now).total_seconds()))
