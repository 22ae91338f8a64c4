"""Queries over boards, schools, groups and their teachers."""

from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.tokens import Role
from loket.dossier.domain.access import Caller
from loket.dossier.persistence.models import Board, GroupTeacher, PupilGroup, School


class Organisation:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def board(self, code: str) -> Board | None:
        return await self.session.get(Board, code)

    async def boards(self, caller: Caller) -> Sequence[Board]:
        query = select(Board).order_by(col(Board.code))
        if caller.role is not Role.REGION_ADMIN:
            query = query.where(col(Board.code) == caller.board)
        return (await self.session.exec(query)).all()

    async def school(self, brin: str) -> School | None:
        return await self.session.get(School, brin)

    async def schools(self, caller: Caller) -> Sequence[School]:
        """The schools the caller reaches (see `Caller.reaches_school`)."""
        query = select(School).order_by(col(School.brin))
        if caller.role is not Role.REGION_ADMIN:
            reached: ColumnElement[bool] = col(School.brin).in_(sorted(caller.schools))
            if caller.role is Role.BOARD_CONTACT and caller.board is not None:
                reached = or_(reached, col(School.board_code) == caller.board)
            query = query.where(reached)
        return (await self.session.exec(query)).all()

    async def group(self, group_id: UUID) -> PupilGroup | None:
        return await self.session.get(PupilGroup, group_id)

    async def group_named(self, school_brin: str, name: str) -> PupilGroup | None:
        query = select(PupilGroup).where(PupilGroup.school_brin == school_brin, PupilGroup.name == name)
        return (await self.session.exec(query)).first()

    async def groups(self, school_brin: str) -> Sequence[PupilGroup]:
        query = select(PupilGroup).where(PupilGroup.school_brin == school_brin).order_by(col(PupilGroup.name))
        return (await self.session.exec(query)).all()

    async def teachers(self, group_ids: Iterable[UUID]) -> dict[UUID, list[str]]:
        ids = list(group_ids)
        found: dict[UUID, list[str]] = {group_id: [] for group_id in ids}
        if ids:
            query = select(GroupTeacher).where(col(GroupTeacher.group_id).in_(ids)).order_by(col(GroupTeacher.subject))
            for teacher in (await self.session.exec(query)).all():
                found[teacher.group_id].append(teacher.subject)
        return found

    async def set_teachers(self, group_id: UUID, subjects: Iterable[str]) -> None:
        await self.session.execute(delete(GroupTeacher).where(col(GroupTeacher.group_id) == group_id))
        self.session.add_all(GroupTeacher(group_id=group_id, subject=subject) for subject in subjects)

    async def taught_by(self, subject: str) -> set[tuple[str, str]]:
        """The groups a teacher is linked to, as (school BRIN, group name)."""
        query = (
            select(PupilGroup.school_brin, PupilGroup.name)
            .join(GroupTeacher, col(GroupTeacher.group_id) == col(PupilGroup.id))
            .where(GroupTeacher.subject == subject)
        )
        return {(brin, name) for brin, name in (await self.session.exec(query)).all()}

    def add(self, row: Board | School | PupilGroup) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        """Write what was added so far (a new group has its id before its teachers point to it)."""
        await self.session.flush()
