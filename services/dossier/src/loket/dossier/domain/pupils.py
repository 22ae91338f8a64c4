"""Pupils as the primary school registers them, free of any framework."""

from __future__ import annotations

from datetime import date

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import brin, bsn

from loket.contracts.errors import Invalid

FIRST_ELK_NUMBER = 10001
OUTSIDE_REGION_PREFIX = "B"  # pupils from outside the region keep their own number behind a B


class InvalidPupil(Invalid):
    """What is wrong with a pupil's data, and in which field."""


def school_code(value: str, field: str = "school_brin") -> str:
    """A school's BRIN number with its two-digit location (vestiging), e.g. `12AB01`."""
    try:
        code = brin.validate(value)
    except StdnumError:
        raise InvalidPupil(field, f"{value!r} is not a BRIN number with its location (like 12AB01)") from None
    if len(code) != 6:
        raise InvalidPupil(field, f"{value!r} lacks the two-digit location (vestiging), like 12AB01")
    return code


def check_birth_date(birth_date: date, today: date) -> None:
    if not (today.replace(year=today.year - 20) < birth_date < today):
        raise InvalidPupil("birth_date", f"{birth_date.isoformat()} is not a primary-school pupil's birth date")


def next_elk_number(highest: str | None) -> str:
    """The region's own ELK numbers count up from 10001 (the `B` numbers of pupils from outside
    the region are not counted)."""
    return str(FIRST_ELK_NUMBER if highest is None else int(highest) + 1)


def next_external_number(highest: str | None) -> str:
    """A buitenleerling's number: a `B` and its own count, from B10001."""
    count = FIRST_ELK_NUMBER if highest is None else int(highest.removeprefix(OUTSIDE_REGION_PREFIX)) + 1
    return f"{OUTSIDE_REGION_PREFIX}{count}"


def check_bsn(value: str) -> str:
    """A citizen service number (BSN): nine digits passing the eleven test. The problem never repeats
    the value, so that a mistyped BSN does not end up in a response or a log."""
    try:
        return str(bsn.validate(value))
    except StdnumError:
        raise InvalidPupil("bsn", "is not a valid BSN (nine digits that pass the eleven test)") from None
