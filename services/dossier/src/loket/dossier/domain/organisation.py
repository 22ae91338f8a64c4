"""The region's organisation as dossier keeps it, free of any framework: boards, their schools (one
location each, by BRIN with its vestiging), and a school's groups with their teachers.

Codes are checked the way identity checks them for its roles, so that a token's `board` and `groups`
name the same things here: a board by its code (e.g. the bevoegd-gezagnummer), a group by its name
within its school (`8a`), a teacher by identity's subject id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from loket.contracts.errors import Invalid

BOARD_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
GROUP_NAME = re.compile(r"^\S.{0,31}$")
SUBJECT = re.compile(r"^\S{1,64}$")
YEAR_LEVELS = range(1, 9)  # groep 1 to groep 8


class Sector(StrEnum):
    PRIMARY = "primary"  # PO, basisschool
    SECONDARY = "secondary"  # VO


def board_code(value: str, field: str = "code") -> str:
    code = value.strip()
    if not BOARD_CODE.match(code):
        raise Invalid(field, f"{value!r} is not a board code (1 to 32 letters, digits, . _ -)")
    return code


def name(value: str, field: str = "name") -> str:
    text = " ".join(value.split())
    if not 1 <= len(text) <= 200:
        raise Invalid(field, "a name has 1 to 200 characters")
    return text


def group_name(value: str, field: str = "name") -> str:
    text = value.strip()
    if not GROUP_NAME.match(text):
        raise Invalid(field, f"{value!r} is not a group name (1 to 32 characters, like 8a)")
    return text


def year_level(value: int | None, field: str = "year_level") -> int | None:
    if value is not None and value not in YEAR_LEVELS:
        raise Invalid(field, f"{value} is not a groep from 1 to 8")
    return value


def teachers(subjects: Iterable[str], field: str = "teachers") -> tuple[str, ...]:
    """Teachers of a group, by identity's subject id, each once, in the order given."""
    unique = tuple(dict.fromkeys(subject.strip() for subject in subjects))
    if any(not SUBJECT.match(subject) for subject in unique):
        raise Invalid(field, "a teacher is identity's subject id of a staff account (1 to 64 characters)")
    return unique
