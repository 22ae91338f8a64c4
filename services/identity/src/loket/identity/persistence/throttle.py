"""The failed attempts, counted per account key and per client address (`domain/throttling.py` says
what the counts mean)."""

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.domain.throttling import AttemptKind, Failures, Throttle
from loket.identity.persistence.models import FailedAttempt


class Attempts:
    def __init__(self, session: AsyncSession, throttle: Throttle) -> None:
        self.session = session
        self.throttle = throttle

    async def retry_after(self, *, account_key: str | None, client_address: str | None, now: datetime) -> int | None:
        """Seconds to wait before this try from this address may be checked, else None."""
        account = Failures(0, None)
        failed_here_at = None
        address = Failures(0, None)
        account_since = now - self.throttle.window
        if account_key is not None:
            for_account = col(FailedAttempt.account_key) == account_key
            account = await self._failures(for_account, account_since)
            if account.count:
                here = _from(client_address)
                failed_here_at = (await self._failures(for_account & here, account_since)).latest
        if client_address is not None:
            address = await self._failures(_from(client_address), now - self.throttle.address_window)
        return self.throttle.retry_after(account=account, failed_here_at=failed_here_at, address=address, now=now)

    async def _failures(self, where: ColumnElement[bool], since: datetime) -> Failures:
        attempted_at = col(FailedAttempt.attempted_at)
        query = select(func.count(), func.max(attempted_at)).where(where, attempted_at > since)
        count, latest = (await self.session.exec(query)).one()
        return Failures(count, latest)

    async def record(
        self, kind: AttemptKind, *, account_key: str | None, client_address: str | None, now: datetime
    ) -> None:
        """Count one attempt, and forget those that have left every window."""
        oldest_kept = now - max(self.throttle.window, self.throttle.address_window)
        await self.session.execute(delete(FailedAttempt).where(col(FailedAttempt.attempted_at) < oldest_kept))
        self.session.add(
            FailedAttempt(kind=kind, account_key=account_key, client_address=client_address, attempted_at=now)
        )

    async def forget(self, account_key: str, client_address: str | None = None, *, everywhere: bool = False) -> None:
        """A successful login forgets the account's failures from its address; they no longer slow it
        down, while those of other addresses still count. A new password (`everywhere`) forgets them all:
        what was guessed before was guessed at another password. The address keeps its own count."""
        where = col(FailedAttempt.account_key) == account_key
        if not everywhere:
            where = where & _from(client_address)
        await self.session.execute(delete(FailedAttempt).where(where))


def _from(client_address: str | None) -> ColumnElement[bool]:
    column = col(FailedAttempt.client_address)
    return column.is_(None) if client_address is None else column == client_address
