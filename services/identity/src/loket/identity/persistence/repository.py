"""Queries on parent accounts, their activation links, and the schools parents pick from."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.domain.accounts import Parent
from loket.identity.persistence.models import ActivationToken, ParentAccount, School


class Accounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_pupil(
        self, pupil_id: UUID, parent: Parent = Parent.FIRST, *, for_update: bool = False
    ) -> ParentAccount | None:
        query = select(ParentAccount).where(ParentAccount.pupil_id == pupil_id, ParentAccount.parent == int(parent))
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def get(self, account_id: UUID, *, for_update: bool = False) -> ParentAccount | None:
        """With `for_update` the row is locked and read as last committed: an activation and the outcome
        of its mail are handled at the same moment, and each must count the other's change to the dot."""
        if for_update:
            return await self.session.get(ParentAccount, account_id, with_for_update=True, populate_existing=True)
        return await self.session.get(ParentAccount, account_id)

    async def by_username(self, username: str) -> ParentAccount | None:
        return (await self.session.exec(select(ParentAccount).where(ParentAccount.username == username))).first()

    async def token(self, digest: str, *, for_update: bool = False) -> ActivationToken | None:
        query = select(ActivationToken).where(ActivationToken.digest == digest)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def current_token(self, account_id: UUID) -> ActivationToken | None:
        """The account's newest link; a new link makes the older ones expire at once (`void_tokens`)."""
        query = (
            select(ActivationToken)
            .where(ActivationToken.account_id == account_id)
            .order_by(col(ActivationToken.expires_at).desc())
            .limit(1)
        )
        return (await self.session.exec(query)).first()

    async def token_issued_by(self, event_id: UUID) -> ActivationToken | None:
        return (
            await self.session.exec(select(ActivationToken).where(ActivationToken.issued_event_id == event_id))
        ).first()

    async def void_tokens(self, account_id: UUID, now: datetime) -> None:
        """The account's earlier links stop working."""
        await self.session.execute(
            update(ActivationToken)
            .where(col(ActivationToken.account_id) == account_id)
            .where(col(ActivationToken.used_at).is_(None), col(ActivationToken.expires_at) > now)
            .values(expires_at=now)
        )

    async def remember_school(self, brin: str, name: str | None, now: datetime) -> None:
        """The school, added unless it is known; a group's parent logins come as parallel events naming the
        same new school, and the second insert waits for the first rather than fail."""
        dialect = (await self.session.connection()).dialect.name
        new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(School)
        values = {"brin": brin, "name": name, "updated_at": now}
        await self.session.execute(new.values(**values).on_conflict_do_nothing(index_elements=["brin"]))
        school = await self.session.get(School, brin, populate_existing=True)
        assert school is not None
        if name and name != school.name:
            school.name, school.updated_at = name, now
            self.session.add(school)

    async def schools(self) -> list[School]:
        """Every school a parent can pick, by name (schools without a known name last, by BRIN)."""
        query = select(School).order_by(col(School.name).is_(None), col(School.name), col(School.brin))
        return list((await self.session.exec(query)).all())

    def add(self, *objects: ParentAccount | ActivationToken) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        """Write what was added: a new account gets its id before its link refers to it."""
        await self.session.flush()
