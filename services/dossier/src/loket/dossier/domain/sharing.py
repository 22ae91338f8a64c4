"""What a primary school shares about a pupil, and with whom, free of any framework.

- **Notes** (notities): a primary school's staff note something on a pupil, for its own organisation
  only or also for the secondary school the pupil is registered with.
- **Reason not to place** (reden niet plaatsen VO): the pupil will not be placed in secondary school
  this year: deregistered, moved away, or repeating groep 8.
- **Registered with a secondary school**: aanmelding says which secondary schools received a pupil's
  registration; their staff then read the pupil's dossier and OKI-doc (without the primary school's
  own notes), and only while the registration stands. Events may arrive out of order, so each
  (registration, school) keeps the moment of the newest event applied.
- **Asking for more information**: such a secondary school asks the primary school a question; the
  text stays in dossier, the event says only who asks whom about which pupil.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from loket.contracts.errors import Invalid

MAX_TEXT = 4000


class NotPlacingReason(StrEnum):
    DEREGISTERED = "deregistered"  # uitgeschreven
    MOVED = "moved"  # verhuisd
    REPEATING_GROEP_8 = "repeating_groep_8"  # groep-8-doubleerder


class NoteVisibility(StrEnum):
    OWN_ORGANISATION = "own_organisation"  # alleen de eigen organisatie
    SECONDARY_SCHOOL = "secondary_school"  # ook het VO waar de leerling is aangemeld


def checked_text(value: str, field: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise Invalid(field, "is empty")
    if len(cleaned) > MAX_TEXT:
        raise Invalid(field, f"is longer than {MAX_TEXT} characters")
    return cleaned


def is_newer(occurred_at: datetime, last_applied: datetime | None) -> bool:
    """An event about a registration counts only when it is newer than the last one applied."""
    return last_applied is None or occurred_at > last_applied
