"""Recovery codes: when the phone with the authenticator app is lost, a staff member logs in with one of
these in place of a TOTP code.

A set of ten is made when TOTP is enrolled and whenever the staff member asks for a new set (the old
set stops working). Each code is shown once and kept only as an argon2id hash; it works once. A code is
three groups of four characters from an alphabet without look-alikes (0/O, 1/I/L): 59 bits. Its first
group is kept in the clear as the code's `lookup`, so that a login checks one hash, not ten; the other
40 bits are guessed only against argon2id, and a login counts towards the throttle like a wrong code.
The hash takes OWASP's smallest argon2id parameters (19 MiB, 2 passes): a random code needs no more,
and a set of ten is hashed within a login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters, none mistaken for another
GROUP, GROUPS = 4, 3
CODES_PER_SET = 10
HASHER = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
_DUMMY = HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class RecoveryCode:
    code: str  # as shown: `ABCD-EFGH-JKMN`

    @property
    def lookup(self) -> str:
        return lookup_of(self.code) or ""


def new_set(count: int = CODES_PER_SET) -> list[RecoveryCode]:
    """`count` new codes, each with its own lookup (the first group)."""
    codes: dict[str, RecoveryCode] = {}
    while len(codes) < count:
        code = RecoveryCode("-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS)))
        codes.setdefault(code.lookup, code)
    return list(codes.values())


def normalised(typed: str) -> str | None:
    """A typed code as it was shown (upper case, dashes between the groups), or None if it cannot be one.
    Spaces and dashes may be typed anywhere or left out; lower case is fine."""
    plain = "".join(character for character in typed.upper() if character not in " -\t")
    if len(plain) != GROUP * GROUPS or any(character not in ALPHABET for character in plain):
        return None
    return "-".join(plain[start : start + GROUP] for start in range(0, len(plain), GROUP))


def lookup_of(typed: str) -> str | None:
    code = normalised(typed)
    return None if code is None else code[:GROUP]


def hashed(code: RecoveryCode) -> str:
    return HASHER.hash(code.code)


def matches(typed: str, digest: str | None) -> bool:
    """Whether `typed` is the code of `digest`; without a digest it costs the same and says no."""
    code = normalised(typed) or typed
    if digest is None:
        HASHER.verify(code, _DUMMY)
        return False
    return HASHER.verify(code, digest)
