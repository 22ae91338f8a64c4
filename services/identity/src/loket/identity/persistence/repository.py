from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.persistence.models import ActivationToken, ParentAccount


class Accounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_pupil(self, pupil_id: UUID) -> ParentAccount | None:
        result = await self.session.exec(select(ParentAccount).where(ParentAccount.pupil_id == pupil_id))
        return result.first()

    async def get(self, account_id: UUID) -> ParentAccount | None:
        return await self.session.get(ParentAccount, account_id)

    async def by_username(self, username: str) -> ParentAccount | None:
        return (await self.session.exec(select(ParentAccount).where(ParentAccount.username == username))).first()

    async def token(self, digest: str, *, for_update: bool = False) -> ActivationToken | None:
        query = select(ActivationToken).where(ActivationToken.digest == digest)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    def add(self, *objects: ParentAccount | ActivationToken) -> None:
        self.session.add_all(objects)
