"""Administering staff: invitations, role changes, deactivation, the schools of a board, and meekijken.

Each step is one transaction, with its audit entry and, for an invitation, the event that asks
notificatie to mail the link. An administrator acts only within what it reaches now (read from the
database, not from its token), never on its own account, and never while looking along as someone
else: meekijken is for seeing what a user sees, not for administering in their name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import InvitationIssued
from loket.contracts.runtime.paging import Paging
from loket.contracts.tokens import Claims, Role
from loket.identity.domain.accounts import AccountState, issue_token
from loket.identity.domain.audit import CLI_ACTOR, AuditAction, Outcome
from loket.identity.domain.sessions import AccountKind, SessionEnd
from loket.identity.domain.staff import (
    ADMINISTRATOR_ROLES,
    Assignment,
    board_code,
    may_impersonate,
    may_manage,
    school_code,
    username,
)
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import Invitation, StaffAccount
from loket.identity.persistence.sessions import Sessions
from loket.identity.persistence.staff import Staff, assignment
from loket.identity.security import Security
from loket.identity.sessions import SessionKeeper, Started


class NotAllowed(Exception):
    """The caller's role may not do this at all (HTTP 403)."""


class NotFound(Exception):
    """No such account within the caller's reach; the same whether it exists elsewhere or not (HTTP 404)."""


class Conflict(Exception):
    """The account is not in a state for this, or the address is taken (HTTP 409)."""


@dataclass(frozen=True)
class NewStaff:
    email: str
    assignment: Assignment
    language: str = "nl"


def invitation_url(portal_url: str, token: str) -> str:
    return f"{portal_url.rstrip('/')}/invitation/{token}"


class StaffAdministration:
    def __init__(self, security: Security, keeper: SessionKeeper) -> None:
        self.security = security
        self.keeper = keeper

    async def actor(
        self, session: AsyncSession, claims: Claims, *, roles: Iterable[Role] = ADMINISTRATOR_ROLES
    ) -> StaffAccount:
        if claims.act is not None:
            raise NotAllowed("not while looking along as another user (meekijken): log out first")
        if claims.role not in frozenset(roles):
            raise NotAllowed(f"a {claims.role} may not do this")
        account = await Staff(session).get(UUID(claims.sub))
        if account is None or account.state != AccountState.ACTIVATED or account.role != claims.role:
            raise NotAllowed("this account may no longer do this")
        return account

    async def invite(self, claims: Claims | None, new: NewStaff, client_address: str | None) -> StaffAccount:
        """Open a pending staff account and mail it an invitation; `claims` None is the operator's CLI."""
        now = datetime.now(UTC)
        email = username(new.email)
        async with self.security.database.transaction() as session:
            staff = Staff(session)
            actor = None if claims is None else await self.actor(session, claims)
            if actor is not None and not may_manage(await staff.reach(actor), new.assignment):
                raise NotAllowed(f"a {actor.role} may not invite a {new.assignment.role} there")
            if await staff.by_email(email) is not None:
                raise Conflict(f"{email} already has an account")
            account = StaffAccount(
                email=email,
                role=new.assignment.role,
                board=new.assignment.board,
                school_brin=new.assignment.school,
                groups=list(new.assignment.groups),
                language=new.language,
                invited_by=None if actor is None else actor.id,
                created_at=now,
            )
            staff.add(account)
            await session.flush()
            await self._send_invitation(session, account, actor, client_address, now)
        self.security.outbox.nudge()
        return account

    async def reinvite(self, claims: Claims, account_id: UUID, client_address: str | None) -> StaffAccount:
        """A new invitation for an account that has not set its password yet; earlier links stop working."""
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            actor, account = await self._managed(session, claims, account_id)
            if account.state != AccountState.PENDING:
                raise Conflict("this account already set its password; it can use 'forgotten password'")
            await Staff(session).expire_invitations(account.id, now)
            await self._send_invitation(session, account, actor, client_address, now)
        self.security.outbox.nudge()
        return account

    async def _send_invitation(
        self,
        session: AsyncSession,
        account: StaffAccount,
        actor: StaffAccount | None,
        client_address: str | None,
        now: datetime,
    ) -> None:
        issued = issue_token(now, timedelta(days=self.security.settings.invitation_valid_days))
        Staff(session).add(
            Invitation(account_id=account.id, digest=issued.digest, created_at=now, expires_at=issued.expires_at)
        )
        await self.security.outbox.put(
            session,
            InvitationIssued(
                account_id=account.id,
                username=account.email,
                role=str(account.role),
                school_brin=account.school_brin,
                board=account.board,
                recipient=account.email,
                invitation_url=invitation_url(self.security.settings.portal_url, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            ),
        )
        AuditLog(session).record(
            AuditAction.INVITATION_ISSUED,
            Outcome.SUCCEEDED,
            actor_id=CLI_ACTOR if actor is None else actor.id,
            actor_role=None if actor is None else actor.role,
            subject_id=account.id,
            client_address=client_address,
            role=str(account.role),
            school=account.school_brin,
            board=account.board,
        )

    async def change_role(
        self, claims: Claims, account_id: UUID, new: Assignment, client_address: str | None
    ) -> StaffAccount:
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            actor, account = await self._managed(session, claims, account_id)
            if not may_manage(await Staff(session).reach(actor), new):
                raise NotAllowed(f"a {actor.role} may not give the role {new.role} there")
            before = assignment(account)
            account.role, account.board, account.school_brin = new.role, new.board, new.school
            account.groups = list(new.groups)
            session.add(account)
            ended = await self.keeper.end_all(session, account, SessionEnd.ROLE_CHANGED, now)
            _audit(
                session,
                AuditAction.ROLE_CHANGED,
                actor,
                account,
                client_address,
                before=_described(before),
                after=_described(new),
                sessions_ended=len(ended),
            )
            return account

    async def deactivate(self, claims: Claims, account_id: UUID, client_address: str | None) -> StaffAccount:
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            actor, account = await self._managed(session, claims, account_id)
            if account.state == AccountState.DEACTIVATED:
                return account
            account.state, account.deactivated_at = AccountState.DEACTIVATED, now
            session.add(account)
            await Staff(session).expire_invitations(account.id, now)
            await Sessions(session).expire_resets(AccountKind.STAFF, account.id, now)
            ended = await self.keeper.end_all(session, account, SessionEnd.DEACTIVATED, now)
            _audit(session, AuditAction.ACCOUNT_DEACTIVATED, actor, account, client_address, sessions_ended=len(ended))
            return account

    async def reactivate(self, claims: Claims, account_id: UUID, client_address: str | None) -> StaffAccount:
        """Undo a deactivation (the wrong account, or a teacher who comes back): the account logs in again
        with its own password and second factor; one that never set a password needs a new invitation."""
        async with self.security.database.transaction() as session:
            actor, account = await self._managed(session, claims, account_id)
            if account.state != AccountState.DEACTIVATED:
                raise Conflict("this account is not deactivated")
            account.state = AccountState.ACTIVATED if account.password_hash else AccountState.PENDING
            account.deactivated_at = None
            session.add(account)
            _audit(session, AuditAction.ACCOUNT_REACTIVATED, actor, account, client_address, state=account.state.value)
            return account

    async def _managed(
        self, session: AsyncSession, claims: Claims, account_id: UUID
    ) -> tuple[StaffAccount, StaffAccount]:
        actor = await self.actor(session, claims)
        account = await Staff(session).get(account_id, for_update=not self.security.database.is_sqlite)
        if account is None or not may_manage(await Staff(session).reach(actor), assignment(account)):
            raise NotFound("no such staff account within your reach")
        if account.id == actor.id:
            raise NotAllowed("not on your own account: ask another administrator")
        return actor, account

    async def one(self, claims: Claims, account_id: UUID) -> StaffAccount:
        """One staff account within the administrator's reach (its own too)."""
        async with self.security.database.transaction() as session:
            actor = await self.actor(session, claims)
            account = await Staff(session).get(account_id)
            if account is None or not may_manage(await Staff(session).reach(actor), assignment(account)):
                raise NotFound("no such staff account within your reach")
            return account

    async def within_reach(self, claims: Claims, paging: Paging | None = None) -> tuple[list[StaffAccount], int]:
        """One page of the accounts within the administrator's reach, and how many there are in all."""
        async with self.security.database.transaction() as session:
            actor = await self.actor(session, claims)
            return await Staff(session).within(await Staff(session).reach(actor), paging or Paging())

    async def board_schools(self, claims: Claims, board: str) -> list[str]:
        async with self.security.database.transaction() as session:
            actor = await self.actor(session, claims, roles=(Role.REGION_ADMIN, Role.BOARD_CONTACT))
            if actor.role == Role.BOARD_CONTACT and actor.board != board:
                raise NotFound("no such board within your reach")
            return await Staff(session).board_schools(board_code(board))

    async def set_board_schools(
        self, claims: Claims, board: str, schools: Iterable[str], client_address: str | None
    ) -> list[str]:
        """The region administrator says which schools belong to a board (until dossier publishes boards)."""
        board, schools = board_code(board), sorted({school_code(school) for school in schools})
        async with self.security.database.transaction() as session:
            actor = await self.actor(session, claims, roles=(Role.REGION_ADMIN,))
            staff = Staff(session)
            before = await staff.board_schools(board)
            await staff.set_board_schools(board, schools)
            AuditLog(session).record(
                AuditAction.BOARD_SCHOOLS_CHANGED,
                Outcome.SUCCEEDED,
                actor_id=actor.id,
                actor_role=actor.role,
                client_address=client_address,
                board=board,
                before=before,
                after=schools,
            )
            return schools

    async def impersonate(self, claims: Claims, account_id: UUID, client_address: str | None) -> Started:
        """Meekijken (a board contact, or the region's administrator): its own session ends, and a session as
        the user begins."""
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            contact = await self.actor(session, claims, roles=(Role.BOARD_CONTACT, Role.REGION_ADMIN))
            target = await Staff(session).get(account_id)
            if target is None or not may_impersonate(await Staff(session).reach(contact), assignment(target)):
                raise NotFound("no such user at your board's schools")
            if target.state != AccountState.ACTIVATED:
                raise Conflict("this user cannot log in (not activated, or deactivated)")
            if claims.sid is not None:
                own = await Sessions(session).get(UUID(claims.sid))
                if own is not None and own.ended_at is None:
                    own.ended_at, own.end_reason = now, SessionEnd.IMPERSONATION_STARTED
                    session.add(own)
            started = await self.keeper.start(
                session, target, client_address=client_address, now=now, impersonator=contact
            )
            AuditLog(session).record(
                AuditAction.IMPERSONATION_STARTED,
                Outcome.SUCCEEDED,
                actor_id=contact.id,
                actor_role=contact.role,
                subject_id=target.id,
                session_id=started.session_id,
                client_address=client_address,
                school=target.school_brin,
                role=str(target.role),
            )
            return started


def _described(assignment: Assignment) -> dict[str, object]:
    return {
        "role": assignment.role.value,
        "board": assignment.board,
        "school": assignment.school,
        "groups": list(assignment.groups),
    }


def _audit(
    session: AsyncSession,
    action: AuditAction,
    actor: StaffAccount,
    account: StaffAccount,
    client_address: str | None,
    **detail: Any,
) -> None:
    """An administrator's step on another staff account, as the audit log keeps it."""
    AuditLog(session).record(
        action,
        Outcome.SUCCEEDED,
        actor_id=actor.id,
        actor_role=actor.role,
        subject_id=account.id,
        client_address=client_address,
        **detail,
    )
