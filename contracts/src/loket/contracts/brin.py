"""A school's BRIN number with its two-digit location (vestiging), e.g. `12AB01`, as every service
stores it. python-stdnum's `stdnum.nl.brin` knows the number (two digits, two letters) and its compact
form; Loket always wants the location too. (`runtime/paths.py` keeps the same rule as a regular
expression, because an OpenAPI path parameter can only carry a pattern.)"""

from __future__ import annotations

from stdnum.exceptions import ValidationError
from stdnum.nl import brin


def brin_with_location(value: str) -> str | None:
    """The number in its compact form (capitals; spaces, dots and dashes dropped), or None when it is
    not a BRIN number with its location."""
    try:
        code = brin.validate(value)
    except ValidationError:
        return None
    return code if len(code) == 6 else None


def is_brin_with_location(value: str) -> bool:
    """Exactly a BRIN number with its location in its compact form: safe in a file name or a path."""
    return brin_with_location(value) == value
