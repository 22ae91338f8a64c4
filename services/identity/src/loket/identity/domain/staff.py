"""Staff accounts, their roles and what each role reaches, free of any framework.

Staff log in with their e-mail address. A role comes with what it reaches (`Assignment`):

- a region administrator (`region_admin`) reaches the whole region;
- a board contact (`board_contact`, bestuursbeheerder) reaches one board and its schools;
- a school administrator (`school_admin`, rol Beheerder) reaches one school (one location, by BRIN);
- a school user (`school_user`, rol Invoeren en accorderen) reaches one school, and at a primary
  school optionally only some of its groups.

Administrators invite users within what they reach: a region administrator anyone, a board contact
the administrators and users of its board's schools, a school administrator those of its own school.
Only a board contact may look along as a user (meekijken), and only as one of its board's schools.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from loket.contracts.brin import brin_with_location
from loket.contracts.errors import Invalid
from loket.contracts.tokens import Role, Scope

STAFF_ROLES = (Role.REGION_ADMIN, Role.BOARD_CONTACT, Role.SCHOOL_ADMIN, Role.SCHOOL_USER)
ADMINISTRATOR_ROLES = frozenset({Role.REGION_ADMIN, Role.BOARD_CONTACT, Role.SCHOOL_ADMIN})
SCHOOL_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.SCHOOL_USER})

BOARD_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")  # e.g. the bevoegd-gezagnummer
GROUP_NAME = re.compile(r"^\S.{0,31}$")


class InvalidAssignment(Invalid):
    """What is wrong with a role and its reach, and in which field of the request (HTTP 422)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)


def username(email: str) -> str:
    """A staff username: the e-mail address, trimmed and in lower case."""
    name = email.strip().lower()
    try:
        validate_email(name, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidAssignment("email", "is not an e-mail address") from None
    return name


def school_code(value: str) -> str:
    code = brin_with_location(value)
    if code is None:
        raise InvalidAssignment("school", f"{value!r} is not a BRIN number with its location (like 12AB01)")
    return code


def board_code(value: str) -> str:
    code = value.strip()
    if not BOARD_CODE.match(code):
        raise InvalidAssignment("board", f"{value!r} is not a board code (letters, digits, . _ -)")
    return code


@dataclass(frozen=True)
class Assignment:
    """A staff role and what it reaches."""

    role: Role
    board: str | None = None
    school: str | None = None
    groups: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, role: Role, *, board: str | None = None, school: str | None = None, groups: Iterable[str] = ()
    ) -> Assignment:
        """Check and normalise a role with its board, school and groups."""
        if role not in STAFF_ROLES:
            raise InvalidAssignment("role", f"{role} is not a staff role")
        groups = tuple(dict.fromkeys(group.strip() for group in groups))
        if any(not GROUP_NAME.match(group) for group in groups):
            raise InvalidAssignment("groups", "a group is named by 1 to 32 characters, like 8a")
        if role == Role.REGION_ADMIN:
            if board or school or groups:
                raise InvalidAssignment("role", "a region administrator has no board, school or groups")
            return cls(role)
        if role == Role.BOARD_CONTACT:
            if not board:
                raise InvalidAssignment("board", "a board contact needs its board")
            if school or groups:
                raise InvalidAssignment("school", "a board contact has a board, not a school or groups")
            return cls(role, board=board_code(board))
        if board:
            raise InvalidAssignment("board", "a school role has a school, not a board")
        if not school:
            raise InvalidAssignment("school", "a school role needs its school")
        if role == Role.SCHOOL_ADMIN and groups:
            raise InvalidAssignment("groups", "a school administrator reaches the whole school")
        return cls(role, school=school_code(school), groups=groups)


@dataclass(frozen=True)
class Reach:
    """What an acting staff member reaches now: its role, and for a board contact its board's schools."""

    role: Role
    board: str | None
    schools: frozenset[str]

    @classmethod
    def of(cls, assignment: Assignment, board_schools: Iterable[str] = ()) -> Reach:
        if assignment.role == Role.BOARD_CONTACT:
            return cls(assignment.role, assignment.board, frozenset(board_schools))
        schools = frozenset({assignment.school}) if assignment.school else frozenset()
        return cls(assignment.role, None, schools)


def may_manage(actor: Reach, target: Assignment) -> bool:
    """Whether `actor` may invite, change or deactivate a staff account with `target`'s role."""
    if actor.role == Role.REGION_ADMIN:
        return True
    if actor.role in (Role.BOARD_CONTACT, Role.SCHOOL_ADMIN):
        return target.role in SCHOOL_ROLES and target.school in actor.schools
    return False


def may_impersonate(actor: Reach, target: Assignment) -> bool:
    """Meekijken: a board contact, as an administrator or user of one of its board's schools; the region's
    administrator, as one of any school's."""
    if actor.role == Role.REGION_ADMIN:
        return target.role in SCHOOL_ROLES
    return actor.role == Role.BOARD_CONTACT and target.role in SCHOOL_ROLES and target.school in actor.schools


def token_scope(assignment: Assignment, board_schools: Iterable[str] = ()) -> Scope:
    """What an access token says the account reaches."""
    if assignment.role == Role.BOARD_CONTACT:
        return Scope(board=assignment.board, schools=tuple(sorted(board_schools)))
    if assignment.school is None:
        return Scope()
    return Scope(schools=(assignment.school,), groups=assignment.groups)


def needs_second_factor(role: Role, required_for: Iterable[Role]) -> bool:
    return role in frozenset(required_for)
