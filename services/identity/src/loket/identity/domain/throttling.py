"""Throttling: a growing delay after failed attempts, counted per account and per client address,
that slows guessing down without ever locking the account's owner out.

Every failed login, every wrong or unknown link and every reset request is one attempt, kept with its
time, the account it was for (a digest of what was typed as the username, or of the link) and the
client address. Two counts decide whether a try is checked now or must wait:

- the account's failures from *every* address in `Throttle.window`: the first `per_account.free`
  cost nothing; after that the wait is `first_delay`, doubling with every further failure, never more
  than `max_delay`. The wait runs from the latest failure *of this address* for the account, so an
  address that has not failed for the account does not wait at all: the right password from the
  parent's own phone goes through however often someone else guessed their (guessable) ELK number,
  while every address that guesses waits longer the more the account has been guessed;
- the address's failures for *every* account in `Throttle.address_window` (one address trying many
  usernames): the same growth after `per_address.free`, from the address's latest failure.

Nothing is ever locked, only slowed down, and the longest wait is `max_delay`. A try during a wait is
not checked and not counted: it is answered with the seconds left (429, `Retry-After`).

An account is keyed by a digest of what was typed, so an unknown username is throttled exactly like a
known one, and no typed text (a password in the wrong field) is ever stored.

Our own, not a rate-limiting library's (slowapi, limits): those count requests per key in fixed
windows and then refuse, which is the lockout NIST SP 800-63B warns against; this needs two counts of
failures, a wait that grows per failure and runs per address, and nothing refused once it has passed.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AttemptKind(StrEnum):
    LOGIN = "login"  # a wrong password, an unknown account, a wrong second factor
    LINK = "link"  # an unknown, used or expired activation, invitation or reset link
    RESET_REQUEST = "reset_request"  # every request for a reset mail, successful or not
    WRONG_ANSWER = "wrong_answer"  # a wrong school or birth date at activation (also counted per link)


def account_key(kind: AttemptKind, typed: str) -> str:
    """What an attempt is counted under for one account: a digest, never the typed text."""
    return hashlib.sha256(f"{kind}:{typed.strip().lower()}".encode()).hexdigest()


@dataclass(frozen=True)
class Failures:
    """The failed attempts of one count in the window: how many, and when the latest was."""

    count: int
    latest: datetime | None


@dataclass(frozen=True)
class Slowdown:
    """`free` failures cost nothing; the next wait is `first_delay`, doubling with every failure after
    that, never more than `max_delay`."""

    free: int
    first_delay: timedelta
    max_delay: timedelta

    def delay(self, failures: int) -> timedelta:
        beyond = failures - self.free
        if beyond < 0:
            return timedelta(0)
        seconds = self.first_delay.total_seconds() * 2.0 ** min(beyond, 64)  # 2**64 s is past any max_delay
        return self.max_delay if seconds >= self.max_delay.total_seconds() else timedelta(seconds=seconds)

    def wait_after(self, latest: datetime | None, failures: int, now: datetime) -> timedelta:
        """What is left of the delay that `failures` earn, counted from `latest`."""
        if latest is None:
            return timedelta(0)
        return latest + self.delay(failures) - now


@dataclass(frozen=True)
class Throttle:
    window: timedelta  # how long a failure counts for its account
    address_window: timedelta  # how long a failure counts for its client address
    per_account: Slowdown
    per_address: Slowdown

    def retry_after(
        self, *, account: Failures, failed_here_at: datetime | None, address: Failures, now: datetime
    ) -> int | None:
        """Seconds to wait before the next try is checked, or None if it may be checked now.

        `account`: the account's failures from every address; `failed_here_at`: the latest of them from
        this address, if any; `address`: this address's failures for every account.
        """
        waits = [
            timedelta(0),
            self.per_account.wait_after(failed_here_at, account.count, now),
            self.per_address.wait_after(address.latest, address.count, now),
        ]
        longest = max(waits)
        if longest <= timedelta(0):
            return None
        return max(1, math.ceil(longest.total_seconds()))
