"""Administering the organisation: boards, schools and groups with their teachers, each within the
caller's reach (`domain/access.py`). Each call is one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType
from uuid import UUID

from loket.contracts.errors import Conflict, Forbidden, Invalid, NotFound
from loket.contracts.events import GroupTeachersChanged, SchoolContactChanged
from loket.contracts.tokens import Role
from loket.dossier.application import DossierWork, Uow
from loket.dossier.domain import organisation as rules
from loket.dossier.domain.access import Caller, SchoolRef
from loket.dossier.domain.pupils import school_code
from loket.dossier.persistence.errors import Duplicate
from loket.dossier.persistence.models import Board, PupilGroup, School
from loket.dossier.persistence.organisation import Organisation


@dataclass(frozen=True)
class Group:
    id: UUID
    school_brin: str
    name: str
    year_level: int | None
    teachers: list[str]


def ref(school: School) -> SchoolRef:
    return SchoolRef(school.brin, school.board_code)


class OrganisationAdministration:
    def __init__(self, work: DossierWork) -> None:
        self.work = work

    async def create_board(self, caller: Caller, code: str, name: str) -> Board:
        if caller.role is not Role.REGION_ADMIN:
            raise Forbidden("only a region administrator sets up boards")
        board = Board(code=rules.board_code(code), name=rules.name(name), created_at=self.work.clock())
        try:
            async with self.work() as uow:
                organisation = Organisation(uow.session)
                if await organisation.board(board.code) is not None:
                    raise Conflict(f"board {board.code} exists already")
                organisation.add(board)
        except Duplicate:
            raise Conflict(f"board {board.code} exists already") from None
        return board

    async def boards(self, caller: Caller) -> list[Board]:
        if caller.role not in (Role.REGION_ADMIN, Role.BOARD_CONTACT):
            raise Forbidden("only a region administrator and board contacts see boards")
        async with self.work() as uow:
            return list(await Organisation(uow.session).boards(caller))

    async def board(self, caller: Caller, code: str) -> Board:
        async with self.work() as uow:
            board = await Organisation(uow.session).board(code)
        if board is None or not caller.reaches_board(board.code):
            raise NotFound("board not found")
        return board

    async def create_school(
        self,
        caller: Caller,
        brin: str,
        name: str,
        board: str | None,
        sector: rules.Sector,
        contact_email: str | None = None,
    ) -> School:
        board = None if board is None else rules.board_code(board, "board")
        if not caller.may_create_school(board):
            raise Forbidden("a region administrator sets up schools; a board contact those of its own board")
        school = School(
            brin=school_code(brin, "brin"),
            name=rules.name(name),
            board_code=board,
            sector=sector,
            contact_email=contact_email,
            created_at=self.work.clock(),
        )
        try:
            async with self.work() as uow:
                organisation = Organisation(uow.session)
                if board is not None and await organisation.board(board) is None:
                    raise Invalid("board", f"there is no board {board}")
                if await organisation.school(school.brin) is not None:
                    raise Conflict(f"school {school.brin} exists already")
                organisation.add(school)
                await contact_changed(uow, school)
        except Duplicate:
            raise Conflict(f"school {school.brin} exists already") from None
        return school

    async def schools(self, caller: Caller) -> list[School]:
        if not caller.is_staff:
            raise Forbidden("only staff see schools")
        async with self.work() as uow:
            return list(await Organisation(uow.session).schools(caller))

    async def school(self, caller: Caller, brin: str) -> School:
        async with self.work() as uow:
            return await reached_school(Organisation(uow.session), caller, brin)

    async def change_school(
        self,
        caller: Caller,
        brin: str,
        name: str | None,
        board: str | None,
        contact_email: str | EllipsisType | None = ...,
    ) -> School:
        """`contact_email`: a new address, None to clear it, `...` to keep it."""
        async with self.work() as uow:
            organisation = Organisation(uow.session)
            school = await administered(organisation, caller, brin)
            contact = (school.name, school.contact_email)
            if name is not None:
                school.name = rules.name(name)
            if not isinstance(contact_email, EllipsisType):
                school.contact_email = contact_email
            if board is not None and board != school.board_code:
                if caller.role is not Role.REGION_ADMIN:
                    raise Forbidden("only a region administrator moves a school to another board")
                code = rules.board_code(board, "board")
                if await organisation.board(code) is None:
                    raise Invalid("board", f"there is no board {code}")
                school.board_code = code
            organisation.add(school)
            if (school.name, school.contact_email) != contact:
                await contact_changed(uow, school)
        return school

    async def create_group(
        self, caller: Caller, brin: str, name: str, year_level: int | None, teachers: list[str]
    ) -> Group:
        group = PupilGroup(
            school_brin=brin.upper(),
            name=rules.group_name(name),
            year_level=rules.year_level(year_level),
            created_at=self.work.clock(),
        )
        subjects = rules.teachers(teachers)
        try:
            async with self.work() as uow:
                organisation = Organisation(uow.session)
                await administered(organisation, caller, brin)
                if await organisation.group_named(group.school_brin, group.name) is not None:
                    raise Conflict(f"group {group.name} exists already at {group.school_brin}")
                organisation.add(group)
                await organisation.flush()
                await organisation.set_teachers(group.id, subjects)
                if subjects:
                    await teachers_changed(uow, group, subjects)
        except Duplicate:
            raise Conflict(f"group {group.name} exists already at {group.school_brin}") from None
        return Group(group.id, group.school_brin, group.name, group.year_level, list(subjects))

    async def groups(self, caller: Caller, brin: str) -> list[Group]:
        async with self.work() as uow:
            organisation = Organisation(uow.session)
            school = await reached_school(organisation, caller, brin)
            groups = await organisation.groups(school.brin)
            teachers = await organisation.teachers(group.id for group in groups)
        return [Group(g.id, g.school_brin, g.name, g.year_level, teachers[g.id]) for g in groups]

    async def group(self, caller: Caller, group_id: UUID) -> Group:
        async with self.work() as uow:
            organisation = Organisation(uow.session)
            group, _ = await reached_group(organisation, caller, group_id)
            teachers = await organisation.teachers([group.id])
        return Group(group.id, group.school_brin, group.name, group.year_level, teachers[group.id])

    async def set_teachers(self, caller: Caller, group_id: UUID, teachers: list[str]) -> Group:
        subjects = rules.teachers(teachers)
        async with self.work() as uow:
            organisation = Organisation(uow.session)
            group, school = await reached_group(organisation, caller, group_id)
            if not caller.administers_school(ref(school)):
                raise Forbidden("only the school's administrators link teachers to groups")
            await organisation.set_teachers(group.id, subjects)
            await teachers_changed(uow, group, subjects)
        return Group(group.id, group.school_brin, group.name, group.year_level, list(subjects))


async def reached_school(organisation: Organisation, caller: Caller, brin: str) -> School:
    """A school the caller reaches; one it does not is answered as if it did not exist."""
    school = await organisation.school(brin.upper())
    if school is None or not caller.reaches_school(ref(school)):
        raise NotFound("school not found")
    return school


async def administered(organisation: Organisation, caller: Caller, brin: str) -> School:
    school = await reached_school(organisation, caller, brin)
    if not caller.administers_school(ref(school)):
        raise Forbidden(f"only the administrators of school {school.brin} may do this")
    return school


async def reached_group(organisation: Organisation, caller: Caller, group_id: UUID) -> tuple[PupilGroup, School]:
    """A group of a school the caller reaches, and that school."""
    group = await organisation.group(group_id)
    school = None if group is None else await organisation.school(group.school_brin)
    if group is None or school is None or not caller.reaches_school(ref(school)):
        raise NotFound("group not found")
    return group, school


async def teachers_changed(uow: Uow, group: PupilGroup, subjects: Sequence[str]) -> None:
    """The other services limit a teacher to their groups as dossier does (`Caller.own_groups`)."""
    await uow.emit(GroupTeachersChanged(school_brin=group.school_brin, group=group.name, teachers=list(subjects)))


async def contact_changed(uow: Uow, school: School) -> None:
    """notificatie tells the school of questions about its pupils, and of answers, at this address."""
    changed = SchoolContactChanged(school_brin=school.brin, school_name=school.name, contact_email=school.contact_email)
    await uow.emit(changed)
