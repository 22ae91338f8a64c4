"""Queries on staff accounts, their invitations and the schools of boards."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.paging import Paging, page_statement
from loket.contracts.tokens import Role
from loket.identity.domain.staff import Assignment, Reach
from loket.identity.persistence.models import BoardSchool, Invitation, StaffAccount


def assignment(account: StaffAccount) -> Assignment:
    return Assignment(Role(account.role), account.board, account.school_brin, tuple(account.groups))


class Staff:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: UUID, *, for_update: bool = False) -> StaffAccount | None:
        query = select(StaffAccount).where(StaffAccount.id == account_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def by_email(self, email: str) -> StaffAccount | None:
        return (await self.session.exec(select(StaffAccount).where(StaffAccount.email == email))).first()

    async def reach(self, account: StaffAccount) -> Reach:
        """What `account` reaches now, with its board's schools as they are set today."""
        schools = await self.board_schools(account.board) if account.role == Role.BOARD_CONTACT else ()
        return Reach.of(assignment(account), schools)

    async def within(self, reach: Reach, paging: Paging) -> tuple[list[StaffAccount], int]:
        """One page of the staff accounts `reach` may see (all for a region administrator, else those of
        its schools), and how many there are."""
        query = select(StaffAccount)
        if reach.role != Role.REGION_ADMIN:
            at_schools = col(StaffAccount.school_brin).in_(sorted(reach.schools))
            # a board contact also sees the contacts of its own board
            query = query.where(or_(at_schools, col(StaffAccount.board) == reach.board) if reach.board else at_schools)
        query = query.order_by(col(StaffAccount.email))
        columns = {
            "email": col(StaffAccount.email),
            "role": col(StaffAccount.role),
            "school": col(StaffAccount.school_brin),
            "state": col(StaffAccount.state),
            "created_at": col(StaffAccount.created_at),
        }
        page, counted = page_statement(query, paging, columns, "email")  # type: ignore[arg-type]
        total = int((await self.session.execute(counted)).scalar_one())
        return list((await self.session.execute(page)).scalars().all()), total

    async def board_schools(self, board: str | None) -> list[str]:
        if board is None:
            return []
        query = select(BoardSchool.school_brin).where(BoardSchool.board == board).order_by(col(BoardSchool.school_brin))
        return list((await self.session.exec(query)).all())

    async def set_board_schools(self, board: str, schools: Iterable[str]) -> None:
        await self.session.execute(delete(BoardSchool).where(col(BoardSchool.board) == board))
        self.session.add_all(BoardSchool(board=board, school_brin=school) for school in sorted(set(schools)))

    async def invitation(self, digest: str, *, for_update: bool = False) -> Invitation | None:
        query = select(Invitation).where(Invitation.digest == digest)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def expire_invitations(self, account_id: UUID, now: datetime) -> None:
        """Earlier links of this account stop working (a new one was sent, or it was deactivated)."""
        await self.session.execute(
            update(Invitation)
            .where(col(Invitation.account_id) == account_id, col(Invitation.used_at).is_(None))
            .where(col(Invitation.expires_at) > now)
            .values(expires_at=now)
        )

    def add(self, *objects: StaffAccount | Invitation) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        """Write what was added: a new account gets its id before its invitation refers to it."""
        await self.session.flush()
