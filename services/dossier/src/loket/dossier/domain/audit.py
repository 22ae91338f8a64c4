"""What dossier writes to its append-only audit trail, free of any framework.

Every time staff read a pupil's dossier, and every change that matters to the OKI-doc's life (its
status, a reopened OKI-doc with the reason, the final advice, the BSN) and every parent login the school
sends, leaves one entry: what, when,
about which pupil, who (identity's subject id and role) and who really acted while a board contact
looked along. An entry holds ids and plain facts, never the dossier's content or a BSN. Each entry
carries the hash of the one before it, so that an entry altered, deleted or moved is found (the chain,
below).
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
    PUPILS_LISTED = "pupils.listed"
    DOSSIER_READ = "dossier.read"
    PUPIL_CHANGED = "pupil.changed"
    PUPIL_IMPORTED = "pupil.imported"  # a new pupil from the school's pupil administration (leerlingen overhalen)
    GROUP_CHANGED = "pupil.group_changed"
    OKI_DOC_CHANGED = "oki_doc.changed"
    OKI_DOC_COMPLETED = "oki_doc.completed"
    OKI_DOC_FINALISED = "oki_doc.finalised"
    OKI_DOC_REOPENED = "oki_doc.reopened"
    DOORSTROOMTOETS_RECORDED = "doorstroomtoets.recorded"
    FINAL_ADVICE_GIVEN = "final_advice.given"
    BSN_CHANGED = "bsn.changed"
    PARENT_LOGIN_SENT = "parent_login.sent"  # the school sent a parent the login (ouderinlog versturen)
    NOTE_ADDED = "note.added"
    NOTES_READ = "notes.read"
    NOT_PLACING_SET = "not_placing.set"  # reden niet plaatsen VO
    INFORMATION_REQUESTED = "information.requested"  # a secondary school asks the primary school
    INFORMATION_REQUESTS_READ = "information_requests.read"
    INFORMATION_ANSWERED = "information.answered"  # the primary school answers the question
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_READ = "attachment.read"


# The chain. Each entry carries the SHA-256 of the one before it (`previous_hash`) and its own
# (`entry_hash`): a hash over a canonical encoding of its fields together with the previous entry's
# hash. Altering a row's field, deleting a row or swapping rows breaks the chain from that row on;
# `ChainCheck` walks the entries in order and names the first one that does not fit. The encoding is
# part of the stored data: changing it (a field more or less, another format) is a new version of the
# chain, never an edit here.

GENESIS = "0" * 64  # what the first entry names as its predecessor

CHAINED_FIELDS = ("occurred_at", "action", "pupil_id", "actor", "actor_role", "impersonator", "detail")


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
