"""Whether a pupil may register yet, free of any framework.

A parent can register only once the primary school has entered the final advice (the seeds: "pas
als het definitieve advies is ingevoerd"). The advice decides which programs fit and how long the
preference list must be; when the primary school changes the pupil's details, the registration form
must be prepared again before the parent can go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ADVICE_LEVELS = ("pro", "vmbo_b", "vmbo_k", "vmbo_gt", "havo", "vwo")


class Readiness(StrEnum):
    WAITING_FOR_ADVICE = "waiting_for_advice"
    OPEN = "open"
    FORM_OUTDATED = "form_outdated"


EXTERNAL_PREFIX = "B"  # the ELK number of a buitenleerling, a pupil from a school outside the region


def from_outside_the_region(elk_number: str | None) -> bool:
    return (elk_number or "").startswith(EXTERNAL_PREFIX)


def advice_levels(advice: str) -> tuple[str, ...]:
    """`havo` → ("havo",); `vmbo_gt/havo` → ("vmbo_gt", "havo"): one level or two adjacent ones."""
    levels = tuple(advice.split("/"))
    positions = [ADVICE_LEVELS.index(level) for level in levels if level in ADVICE_LEVELS]
    if len(positions) != len(levels) or len(levels) > 2 or (len(levels) == 2 and positions[1] != positions[0] + 1):
        raise ValueError(f"{advice!r} is not one advice level or two adjacent ones ({', '.join(ADVICE_LEVELS)})")
    return levels


@dataclass(frozen=True)
class Eligibility:
    advice: str | None
    advice_given_at: datetime | None
    form_outdated_at: datetime | None
    form_prepared_at: datetime | None

    @property
    def readiness(self) -> Readiness:
        if self.advice is None:
            return Readiness.WAITING_FOR_ADVICE
        if self.form_outdated_at is not None and (
            self.form_prepared_at is None or self.form_prepared_at < self.form_outdated_at
        ):
            return Readiness.FORM_OUTDATED
        return Readiness.OPEN
