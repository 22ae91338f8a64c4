"""Queries on staff accounts' recovery codes."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.persistence.models import RecoveryCode


class RecoveryCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace(self, account_id: UUID, hashed: Iterable[tuple[str, str]], now: datetime) -> None:
        """The account's set becomes these (lookup, argon2id hash) pairs; the old set stops working."""
        await self.session.execute(delete(RecoveryCode).where(col(RecoveryCode.account_id) == account_id))
        self.session.add_all(
            RecoveryCode(account_id=account_id, lookup=lookup, digest=digest, created_at=now)
            for lookup, digest in hashed
        )

    async def by_lookup(self, account_id: UUID, lookup: str, *, for_update: bool = False) -> RecoveryCode | None:
        query = select(RecoveryCode).where(RecoveryCode.account_id == account_id, RecoveryCode.lookup == lookup)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def use(self, code: RecoveryCode, now: datetime) -> None:
        """The code works no more; written at once, so that `unused` counts it."""
        code.used_at = now
        self.session.add(code)
        await self.session.flush()

    async def unused(self, account_id: UUID) -> int:
        query = select(func.count()).where(
            col(RecoveryCode.account_id) == account_id, col(RecoveryCode.used_at).is_(None)
        )
        return int((await self.session.exec(query)).one())
