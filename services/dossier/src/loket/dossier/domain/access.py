"""Who reaches which object in dossier, free of any framework. Every route asks these questions about
the one object it touches; an object the caller does not reach is answered as if it did not exist.

- A region administrator reaches the whole region.
- A board contact administers the schools registered under its board here, and the schools its token
  names; it reads the pupils of the schools its token names (identity keeps which schools a board has).
- A school administrator reaches its own school and all of its pupils.
- A school user reaches its own school. If it is linked to groups there, by its token (identity) or as
  a group's teacher (here), it sees only the pupils of those groups; a user linked to no group (an
  intern begeleider, the office) sees every pupil of the school, as in ELK.
- A parent reaches only its own pupil, and only what parents may see.
- A secondary school's staff (school administrator or user of that BRIN) read a pupil registered with
  that school, while the registration stands: the pupil, its OKI-doc and the notes meant for it; they
  ask the primary school for more information. Nothing else of the pupil: a route that does not let
  them read answers as if the pupil did not exist.

Only the primary school's own staff write a pupil's dossier; of the administrators only they, a board
contact and a region administrator may reopen a locked OKI-doc.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from loket.contracts.tokens import Claims, Role

STAFF = frozenset({Role.REGION_ADMIN, Role.BOARD_CONTACT, Role.SCHOOL_ADMIN, Role.SCHOOL_USER})
ADMINISTRATORS = frozenset({Role.REGION_ADMIN, Role.BOARD_CONTACT, Role.SCHOOL_ADMIN})
SCHOOL_STAFF = frozenset({Role.SCHOOL_ADMIN, Role.SCHOOL_USER})


@dataclass(frozen=True)
class SchoolRef:
    brin: str
    board: str | None


@dataclass(frozen=True)
class PupilRef:
    id: UUID
    school_brin: str
    group: str | None  # the name of its group at its school, if it is in one


@dataclass(frozen=True)
class Caller:
    """The caller as its access token says, plus the groups it teaches according to dossier."""

    subject: str
    role: Role
    board: str | None = None
    schools: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    pupil: UUID | None = None
    acting: str | None = None  # who really acts while a board contact looks along (meekijken)
    taught: frozenset[tuple[str, str]] = field(default=frozenset())  # (school BRIN, group name)

    @classmethod
    def of(cls, claims: Claims, taught: Iterable[tuple[str, str]] = ()) -> Caller:
        scope = claims.scope
        return cls(
            subject=claims.sub,
            role=claims.role,
            board=scope.board,
            schools=frozenset(scope.schools),
            groups=frozenset(scope.groups),
            pupil=scope.pupil,
            acting=claims.act.sub if claims.act else None,
            taught=frozenset(taught),
        )

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    def own_groups(self, school: str) -> frozenset[str]:
        """The groups a school user is limited to at `school`; empty: none, so the whole school."""
        if self.role is not Role.SCHOOL_USER:
            return frozenset()
        return self.groups | {group for brin, group in self.taught if brin == school}

    def administers_school(self, school: SchoolRef) -> bool:
        if self.role is Role.REGION_ADMIN:
            return True
        if self.role is Role.BOARD_CONTACT:
            return (school.board is not None and school.board == self.board) or school.brin in self.schools
        return self.role is Role.SCHOOL_ADMIN and school.brin in self.schools

    def reaches_school(self, school: SchoolRef) -> bool:
        return self.administers_school(school) or (self.role is Role.SCHOOL_USER and school.brin in self.schools)

    def may_create_school(self, board: str | None) -> bool:
        if self.role is Role.REGION_ADMIN:
            return True
        return self.role is Role.BOARD_CONTACT and board is not None and board == self.board

    def reaches_board(self, board: str) -> bool:
        return self.role is Role.REGION_ADMIN or (self.role is Role.BOARD_CONTACT and board == self.board)

    def sees_pupil(self, pupil: PupilRef) -> bool:
        if self.role is Role.PARENT:
            return self.pupil is not None and self.pupil == pupil.id
        if self.role is Role.REGION_ADMIN:
            return True
        if pupil.school_brin not in self.schools:
            return False
        limited_to = self.own_groups(pupil.school_brin)
        return not limited_to or pupil.group in limited_to

    def writes_dossier(self, pupil: PupilRef) -> bool:
        """The primary school's own staff write the dossier of a pupil they see."""
        return self.role in SCHOOL_STAFF and self.sees_pupil(pupil)

    def administers_pupil(self, pupil: PupilRef) -> bool:
        """Administrators who see the pupil: they reopen its OKI-doc and read its audit trail."""
        return self.role in ADMINISTRATORS and self.sees_pupil(pupil)

    def registers_at(self, school: str) -> bool:
        """A school's own staff register its pupils; a region administrator at any school."""
        return self.role is Role.REGION_ADMIN or (self.role in SCHOOL_STAFF and school in self.schools)

    def reads_as_secondary(self, registered_at: Iterable[str]) -> bool:
        """Staff of a secondary school with which the pupil is registered (`registered_at`: those schools)."""
        return self.role in SCHOOL_STAFF and bool(self.schools & set(registered_at))

    def secondary_school(self, registered_at: Iterable[str]) -> str:
        """The caller's school among those the pupil is registered with (the first, if a token names several)."""
        return min(self.schools & set(registered_at))

    def sees_bsn(self, pupil: PupilRef) -> bool:
        """Only the pupil's own school needs the BSN (to pull the dossier through OSO)."""
        return self.writes_dossier(pupil)
