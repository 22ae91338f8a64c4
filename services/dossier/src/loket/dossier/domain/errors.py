"""Why dossier refuses a request, free of any framework; `http/answers.py` turns each into an answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Invalid(ValueError):
    """What is wrong with the input, and in which field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(LookupError):
    """The object does not exist, or the caller may not know that it does: the same answer for both."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class NotAllowed(PermissionError):
    """The caller reaches the object but may not do this with it."""


class Conflict(Exception):
    """The object's state does not allow this now (e.g. a locked OKI-doc), or it exists already."""

    def __init__(self, message: str, details: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.details = list(details)
