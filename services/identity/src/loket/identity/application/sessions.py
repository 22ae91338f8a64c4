"""Sessions: started at login (or when a board contact starts meekijken), refreshed with a rotating
refresh token, ended at logout, reuse of a refresh token, reset, deactivation or a role change.

Every refresh reads the account again, so a new access token always carries the role and scope the
account has now, and a deactivated account gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from loket.contracts.tokens import Actor, Role, Scope
from loket.identity.adapters.tokens import IssuedAccess
from loket.identity.application.context import Context, Uow
from loket.identity.domain.accounts import AccountState, issue_token, token_digest
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.sessions import AccountKind, SessionEnd, concurrent_refresh, timed_out
from loket.identity.domain.staff import may_impersonate, token_scope
from loket.identity.persistence.models import LoginSession, ParentAccount, RefreshToken, StaffAccount
from loket.identity.persistence.repository import Accounts
from loket.identity.persistence.sessions import Sessions
from loket.identity.persistence.staff import Staff, assignment

Account = StaffAccount | ParentAccount


@dataclass(frozen=True)
class Started:
    """A session with a fresh access token and the refresh token for the cookie."""

    session_id: UUID
    access: IssuedAccess
    refresh_token: str
    session_ends_at: datetime
    seconds_left: int  # until the session ends at the latest: the cookie's max-age
    subject: UUID
    role: Role
    impersonated_by: Actor | None
    recovery_codes: tuple[str, ...] = ()  # made by enrolling TOTP in this login: shown once


@dataclass(frozen=True)
class Ended:
    """The refresh token does not (or no longer) give a session; `impersonated_by` for its header."""

    impersonated_by: Actor | None = None


def kind_of(account: Account) -> AccountKind:
    return AccountKind.STAFF if isinstance(account, StaffAccount) else AccountKind.PARENT


async def load_account(uow: Uow, kind: AccountKind, account_id: UUID) -> Account | None:
    if kind == AccountKind.STAFF:
        return await Staff(uow.session).get(account_id)
    return await Accounts(uow.session).get(account_id)


def username_of(account: Account) -> str:
    return account.email if isinstance(account, StaffAccount) else account.username


def keep_account(uow: Uow, account: Account) -> None:
    if isinstance(account, StaffAccount):
        Staff(uow.session).add(account)
    else:
        Accounts(uow.session).add(account)


async def role_and_scope(uow: Uow, account: Account) -> tuple[Role, Scope]:
    if isinstance(account, ParentAccount):
        return Role.PARENT, Scope(pupil=account.pupil_id)
    board_schools = await Staff(uow.session).board_schools(account.board)
    return Role(account.role), token_scope(assignment(account), board_schools)


class SessionKeeper:
    """`start` and `end_all` are steps of another use case, in its unit of work (a login, an activation,
    a reset, a role change); `refresh` and `end` are use cases of their own."""

    def __init__(self, context: Context) -> None:
        self.context = context

    async def start(
        self, uow: Uow, account: Account, *, client_address: str | None, impersonator: StaffAccount | None = None
    ) -> Started:
        now = uow.now
        login_session = LoginSession(
            account_kind=kind_of(account),
            account_id=account.id,
            impersonator_id=None if impersonator is None else impersonator.id,
            client_address=client_address,
            started_at=now,
            refreshed_at=now,
        )
        sessions = Sessions(uow.session)
        sessions.add(login_session)
        await sessions.flush()
        return await self._issue(uow, login_session, account, impersonator)

    async def log_in(self, uow: Uow, account: Account, client_address: str | None, **detail: Any) -> Started:
        """Start the account's own session, and say so in the audit log."""
        started = await self.start(uow, account, client_address=client_address)
        uow.audit.own_step(
            AuditAction.LOGIN,
            account.id,
            client_address,
            role=started.role,
            session_id=started.session_id,
            **detail,
        )
        return started

    async def _issue(
        self, uow: Uow, login_session: LoginSession, account: Account, impersonator: StaffAccount | None
    ) -> Started:
        now = uow.now
        limits = self.context.session_limits
        refresh = issue_token(now, limits.idle)
        Sessions(uow.session).add(RefreshToken(session_id=login_session.id, digest=refresh.digest, issued_at=now))
        role, scope = await role_and_scope(uow, account)
        act = None if impersonator is None else Actor(sub=str(impersonator.id), role=impersonator.role)
        access = self.context.issuer.issue(
            subject=str(account.id), role=role, scope=scope, session_id=str(login_session.id), act=act, now=now
        )
        ends_at = login_session.started_at + limits.lifetime
        return Started(
            session_id=login_session.id,
            access=access,
            refresh_token=refresh.token,
            session_ends_at=ends_at,
            seconds_left=max(1, int((ends_at - now).total_seconds())),
            subject=account.id,
            role=role,
            impersonated_by=act,
        )

    async def refresh(self, refresh_token: str, *, client_address: str | None) -> Started | Ended:
        """Use the refresh token up and hand out the next one, with a new access token."""
        async with self.context.work() as uow:
            now = uow.now
            sessions = Sessions(uow.session)
            stored = await sessions.refresh_token(token_digest(refresh_token), for_update=True)
            if stored is None:
                return Ended()
            login_session = await sessions.get(stored.session_id, for_update=True)
            assert login_session is not None
            account = await load_account(uow, login_session.account_kind, login_session.account_id)
            impersonator = await self._impersonator(uow, login_session)
            act = None if impersonator is None else Actor(sub=str(impersonator.id), role=impersonator.role)
            if login_session.ended_at is not None:
                return Ended(act)
            reused = stored.used_at is not None and not concurrent_refresh(
                used_at=stored.used_at, used_from=stored.used_from, now=now, client_address=client_address
            )
            reason = (
                SessionEnd.REFRESH_TOKEN_REUSED
                if reused
                else timed_out(
                    started_at=login_session.started_at,
                    refreshed_at=login_session.refreshed_at,
                    limits=self.context.session_limits,
                    now=now,
                )
            )
            if reason is None and not await self._still_allowed(uow, account, impersonator):
                reason = SessionEnd.DEACTIVATED
            if reason is not None:
                login_session.ended_at, login_session.end_reason = now, reason
                sessions.add(login_session)
                action = AuditAction.REFRESH_TOKEN_REUSED if reused else AuditAction.SESSION_ENDED
                uow.audit.record(
                    action,
                    Outcome.REFUSED,
                    subject_id=login_session.account_id,
                    session_id=login_session.id,
                    client_address=client_address,
                    reason=reason.value,
                )
                return Ended(act)
            assert account is not None
            if stored.used_at is None:  # the other tab's refresh leaves the first use as it was
                stored.used_at, stored.used_from = now, client_address
            login_session.refreshed_at = now
            sessions.add(stored, login_session)
            return await self._issue(uow, login_session, account, impersonator)

    async def _impersonator(self, uow: Uow, login_session: LoginSession) -> StaffAccount | None:
        if login_session.impersonator_id is None:
            return None
        return await Staff(uow.session).get(login_session.impersonator_id)

    async def _still_allowed(self, uow: Uow, account: Account | None, impersonator: StaffAccount | None) -> bool:
        if account is None or account.state != AccountState.ACTIVATED:
            return False
        if impersonator is None:
            return True
        if impersonator.state != AccountState.ACTIVATED or not isinstance(account, StaffAccount):
            return False
        return may_impersonate(await Staff(uow.session).reach(impersonator), assignment(account))

    async def end(
        self, *, refresh_token: str | None, session_id: UUID | None, client_address: str | None
    ) -> Actor | None:
        """Logout: end the session of the cookie (or of the access token). Returns who looked along, if so."""
        async with self.context.work() as uow:
            sessions = Sessions(uow.session)
            if refresh_token is not None:
                stored = await sessions.refresh_token(token_digest(refresh_token))
                session_id = stored.session_id if stored is not None else session_id
            login_session = None if session_id is None else await sessions.get(session_id)
            if login_session is None or login_session.ended_at is not None:
                return None
            login_session.ended_at, login_session.end_reason = uow.now, SessionEnd.LOGOUT
            sessions.add(login_session)
            impersonator = await self._impersonator(uow, login_session)
            uow.audit.record(
                AuditAction.IMPERSONATION_ENDED if impersonator is not None else AuditAction.SESSION_ENDED,
                Outcome.SUCCEEDED,
                actor_id=impersonator.id if impersonator is not None else login_session.account_id,
                actor_role=impersonator.role if impersonator is not None else None,
                subject_id=login_session.account_id,
                session_id=login_session.id,
                client_address=client_address,
                reason=SessionEnd.LOGOUT.value,
            )
            return None if impersonator is None else Actor(sub=str(impersonator.id), role=impersonator.role)

    async def end_all(self, uow: Uow, account: Account, reason: SessionEnd) -> list[UUID]:
        """End every session of the account; sessions in which someone looked along as it end too."""
        return await Sessions(uow.session).end_all(kind_of(account), account.id, reason, uow.now)
