"""The sliding window of failed attempts, per account key and per client address."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.domain.throttling import AttemptKind, Limit, retry_after
from loket.identity.persistence.models import FailedAttempt


class Attempts:
    def __init__(self, session: AsyncSession, *, per_account: Limit, per_address: Limit) -> None:
        self.session = session
        self.per_account = per_account
        self.per_address = per_address

    async def retry_after(self, *, account_key: str | None, client_address: str | None, now: datetime) -> int | None:
        """Seconds to wait if the account or the address has used up its window, else None."""
        waits = []
        if account_key is not None:
            waits.append(await self._wait(FailedAttempt.account_key == account_key, self.per_account, now))
        if client_address is not None:
            waits.append(await self._wait(FailedAttempt.client_address == client_address, self.per_address, now))
        found = [wait for wait in waits if wait is not None]
        return max(found) if found else None

    async def _wait(self, where: object, limit: Limit, now: datetime) -> int | None:
        query = (
            select(FailedAttempt.attempted_at)
            .where(where, col(FailedAttempt.attempted_at) > now - limit.window)  # type: ignore[arg-type]
            .order_by(col(FailedAttempt.attempted_at).desc())
            .limit(limit.attempts)
        )
        return retry_after(list((await self.session.exec(query)).all()), limit, now)

    async def record(
        self, kind: AttemptKind, *, account_key: str | None, client_address: str | None, now: datetime
    ) -> None:
        """Count one attempt, and forget those that have left every window."""
        oldest_kept = now - max(self.per_account.window, self.per_address.window)
        await self.session.execute(delete(FailedAttempt).where(col(FailedAttempt.attempted_at) < oldest_kept))
        self.session.add(
            FailedAttempt(kind=kind, account_key=account_key, client_address=client_address, attempted_at=now)
        )

    async def forget(self, account_key: str) -> None:
        """A successful login clears the account's failures (the address keeps its own)."""
        await self.session.execute(delete(FailedAttempt).where(col(FailedAttempt.account_key) == account_key))
