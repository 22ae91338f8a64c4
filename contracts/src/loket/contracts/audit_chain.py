"""The audit chain, free of any framework: each audit entry carries the SHA-256 of the one before it
(`previous_hash`) and its own (`entry_hash`), a hash over a canonical encoding of its fields together
with the previous entry's hash. Altering a row's field, deleting a row or swapping rows breaks the
chain from that row on; `ChainCheck` walks the entries in order and names the first one that does
not fit. The encoding is part of the stored data: changing it (a field more or less, another format)
is a new version of the chain, never an edit here. identity's audit log and dossier's audit trail
use it; each service names the fields it chains (`CHAINED_FIELDS` in its `domain/audit.py`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

GENESIS = "0" * 64  # what the first entry names as its predecessor


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


@dataclass(frozen=True)
class ChainReport:
    """`intact` entries fit the chain, ending in `head`; `broken` is the first that does not, if any."""

    intact: int
    head: str
    broken: Break | None
