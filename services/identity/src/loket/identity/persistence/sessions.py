"""Queries on login sessions, their refresh tokens and password reset links."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.identity.domain.sessions import AccountKind, SessionEnd
from loket.identity.persistence.models import LoginSession, PasswordReset, RefreshToken


class Sessions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, session_id: UUID, *, for_update: bool = False) -> LoginSession | None:
        query = select(LoginSession).where(LoginSession.id == session_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def refresh_token(self, digest: str, *, for_update: bool = False) -> RefreshToken | None:
        query = select(RefreshToken).where(RefreshToken.digest == digest)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def end_all(self, kind: AccountKind, account_id: UUID, reason: SessionEnd, now: datetime) -> list[UUID]:
        """End every open session of an account, and those in which it looks along as someone; return their ids."""
        its_own = and_(col(LoginSession.account_kind) == kind, col(LoginSession.account_id) == account_id)
        looking_along = col(LoginSession.impersonator_id) == account_id
        open_sessions = select(LoginSession).where(
            or_(its_own, looking_along) if kind == AccountKind.STAFF else its_own, col(LoginSession.ended_at).is_(None)
        )
        ended = list((await self.session.exec(open_sessions)).all())
        for login_session in ended:
            login_session.ended_at, login_session.end_reason = now, reason
        self.session.add_all(ended)
        return [login_session.id for login_session in ended]

    async def reset(self, digest: str, *, for_update: bool = False) -> PasswordReset | None:
        query = select(PasswordReset).where(PasswordReset.digest == digest)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def expire_resets(self, kind: AccountKind, account_id: UUID, now: datetime) -> None:
        """Earlier reset links of this account stop working."""
        await self.session.execute(
            update(PasswordReset)
            .where(col(PasswordReset.account_kind) == kind, col(PasswordReset.account_id) == account_id)
            .where(col(PasswordReset.used_at).is_(None), col(PasswordReset.expires_at) > now)
            .values(expires_at=now)
        )

    def add(self, *objects: LoginSession | RefreshToken | PasswordReset) -> None:
        self.session.add_all(objects)

    async def flush(self) -> None:
        """Write what was added: a new session gets its id."""
        await self.session.flush()
