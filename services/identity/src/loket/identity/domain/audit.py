"""The security events identity writes to its append-only audit log, free of any framework.

Each entry says what happened (`AuditAction`), how it ended (`Outcome`), who acted, whose account it
was about, when, from which client address, and a few plain facts (`detail`). It never holds a
password, a token, a link or a TOTP secret, nor what someone typed as a username. Each entry carries
the hash of the one before it, so that an entry altered, deleted or moved is found (the chain, below).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID


class AuditAction(StrEnum):
    LOGIN = "login"
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled"
    RECOVERY_CODES_ISSUED = "second_factor.recovery_codes_issued"  # a new set (the old set stops working)
    RECOVERY_CODE_USED = "second_factor.recovery_code_used"  # logged in with one in place of a TOTP code
    SESSION_REFRESHED = "session.refreshed"
    SESSION_ENDED = "session.ended"
    REFRESH_TOKEN_REUSED = "session.refresh_token_reused"  # noqa: S105 (a name, not a secret)
    INVITATION_ISSUED = "invitation.issued"
    INVITATION_ACCEPTED = "invitation.accepted"
    PARENT_LOGIN_ISSUED = "parent_login.issued"  # a school asked: a parent account and its activation link
    PARENT_LOGIN_REFUSED = "parent_login.refused"  # a school asked, but the login is activated or not offered
    ACTIVATION = "activation"  # a parent answers the questions and sets the first password (or answers wrongly)
    ACTIVATION_LOCKED = "activation.locked"  # too many wrong answers: the link is locked
    PASSWORD_RESET_REQUESTED = "password_reset.requested"  # noqa: S105 (a name, not a secret)
    PASSWORD_RESET_COMPLETED = "password_reset.completed"  # noqa: S105 (a name, not a secret)
    LINK_REFUSED = "link.refused"  # an unknown, used or expired link was submitted
    ROLE_CHANGED = "role.changed"
    BOARD_SCHOOLS_CHANGED = "board.schools_changed"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    IMPERSONATION_STARTED = "impersonation.started"
    IMPERSONATION_ENDED = "impersonation.ended"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # wrong credentials or link
    REFUSED = "refused"  # not allowed: out of scope, deactivated, second factor missing
    THROTTLED = "throttled"  # too many attempts: answered 429 without checking anything


CLI_ACTOR = "cli"  # the operator's command line (`loket-identity invite-admin`)


# The chain. Each entry carries the SHA-256 of the one before it (`previous_hash`) and its own
# (`entry_hash`): a hash over a canonical encoding of its fields together with the previous entry's
# hash. Altering a row's field, deleting a row or swapping rows breaks the chain from that row on;
# `ChainCheck` walks the entries in order and names the first one that does not fit. The encoding is
# part of the stored data: changing it (a field more or less, another format) is a new version of the
# chain, never an edit here.

GENESIS = "0" * 64  # what the first entry names as its predecessor

CHAINED_FIELDS = (
    "occurred_at",
    "action",
    "outcome",
    "actor_id",
    "actor_role",
    "subject_id",
    "session_id",
    "client_address",
    "detail",
)


def hash_link(previous: str, fields: Mapping[str, Any]) -> str:
    """The hash of an entry whose `CHAINED_FIELDS` are `fields` and that follows `previous`: SHA-256
    over `[previous, fields]` as canonical JSON: keys sorted, no spaces, UTF-8; a moment as
    UTC ISO 8601 with microseconds, a UUID as text, an enum as its value, and a JSON value as the
    database stores and returns it (a tuple is a list)."""
    canonical = json.dumps(
        [previous, {name: _plain(value) for name, value in fields.items()}],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value))  # what a JSON column hands back
    return value


@dataclass(frozen=True)
class Link:
    """One stored entry as the chain sees it."""

    id: int
    occurred_at: datetime
    fields: Mapping[str, Any]
    previous_hash: str | None
    entry_hash: str | None


@dataclass(frozen=True)
class Break:
    """The first entry that does not fit the chain, and why."""

    id: int
    occurred_at: datetime
    reason: str


@dataclass
class ChainCheck:
    """Walks the entries in the order they were appended (by id) and stops at the first break."""

    checked: int = 0
    head: str = GENESIS
    last_id: int | None = None
    broken: Break | None = None

    def add(self, link: Link) -> Break | None:
        if self.broken is not None:
            return self.broken
        if link.entry_hash is None or link.entry_hash != hash_link(link.previous_hash or "", link.fields):
            self.broken = Break(link.id, link.occurred_at, "its fields do not match its hash: the entry was altered")
        elif link.previous_hash != self.head:
            before = "the start of the log" if self.last_id is None else f"entry {self.last_id}"
            self.broken = Break(
                link.id,
                link.occurred_at,
                f"it does not follow {before}: an entry before it was deleted or altered, or entries were reordered",
            )
        else:
            self.checked += 1
            self.head = link.entry_hash
            self.last_id = link.id
        return self.broken
