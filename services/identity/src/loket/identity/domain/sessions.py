"""Login sessions of a web portal, free of any framework.

A successful login starts a session and hands out a refresh token (256 bits, stored only as its
SHA-256) in an HttpOnly cookie. Each refresh uses the token up and hands out the next one. A token
that was used before and comes back means two parties hold it: someone copied it. The session then
ends for both — unless it comes back within a few seconds from the same client address: two tabs of
one browser that refreshed at the same moment with the cookie they share. A session also ends when it
was idle too long, at its maximum age, at logout, when the password is reset and when the account is
deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AccountKind(StrEnum):
    STAFF = "staff"
    PARENT = "parent"


class SessionEnd(StrEnum):
    LOGOUT = "logout"
    IDLE = "idle"
    EXPIRED = "expired"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # noqa: S105 (a name, not a secret)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a name, not a secret)
    DEACTIVATED = "deactivated"
    ROLE_CHANGED = "role_changed"
    IMPERSONATION_STARTED = "impersonation_started"  # the board contact's own session gives way


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    lifetime: timedelta


def timed_out(
    *, started_at: datetime, refreshed_at: datetime, limits: SessionLimits, now: datetime
) -> SessionEnd | None:
    """Whether an open session has run out of time (idle or too old), or None while it has not."""
    if now >= started_at + limits.lifetime:
        return SessionEnd.EXPIRED
    if now >= refreshed_at + limits.idle:
        return SessionEnd.IDLE
    return None


CONCURRENT_REFRESH = timedelta(seconds=10)


def concurrent_refresh(*, used_at: datetime, used_from: str | None, now: datetime, client_address: str | None) -> bool:
    """Whether a used refresh token that comes back is the same browser's other tab, not a copy: from the
    address that used it, within `CONCURRENT_REFRESH`."""
    return client_address is not None and used_from == client_address and now - used_at <= CONCURRENT_REFRESH
