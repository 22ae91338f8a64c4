"""Password hashes: argon2id (pwdlib), rehashed on login when the parameters have changed.

Checking an account that does not exist, or has no password yet, costs the same as checking a wrong
password: the password is verified against a dummy hash, so the answer and its time do not tell
whether the account exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash


@dataclass(frozen=True)
class Verdict:
    valid: bool
    new_hash: str | None = None  # set when the stored hash should be replaced (parameters changed)


class Passwords:
    def __init__(self, hasher: PasswordHash | None = None) -> None:
        self.hasher = hasher or PasswordHash.recommended()  # argon2id
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password: str, stored: str | None) -> Verdict:
        if stored is None:
            self.hasher.verify(password, self._dummy)
            return Verdict(valid=False)
        valid, new_hash = self.hasher.verify_and_update(password, stored)
        return Verdict(valid=valid, new_hash=new_hash if valid else None)
