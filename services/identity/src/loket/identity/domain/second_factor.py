"""TOTP as a second factor (RFC 6238: 6 digits, 30-second steps, SHA-1, as every authenticator app).

A secret is enrolled in two steps: identity makes it and shows it (with an `otpauth://` URI for a QR
code), and it counts only once the user has typed a code from it. A code is accepted one step early
or late (clock drift), and only once: the step it belongs to is kept, and a code of that step or an
earlier one is refused afterwards, so an overheard code cannot be replayed.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ACCEPTED_DRIFT = 1  # steps either side of now


def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def accepted_step(secret: str, code: str, *, last_step: int | None, now: datetime) -> int | None:
    """The time step `code` belongs to if it is accepted now, else None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - ACCEPTED_DRIFT, current + ACCEPTED_DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None
