"""Administering staff: invitations, role changes, deactivation and the schools of a board.

Each step is one unit of work, with its audit entry and, for an invitation, the event that asks
notificatie to mail the link. Who may do what is in `access.py`; meekijken is in `impersonation.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from loket.contracts.errors import Conflict, Forbidden, NotFound
from loket.contracts.events import InvitationIssued
from loket.contracts.runtime.paging import Paging
from loket.contracts.tokens import Claims, Role
from loket.identity.application.access import acting, managed, within_reach
from loket.identity.application.context import Context, Uow
from loket.identity.application.sessions import SessionKeeper
from loket.identity.domain.accounts import AccountState, issue_token
from loket.identity.domain.audit import CLI_ACTOR, AuditAction, Outcome
from loket.identity.domain.sessions import AccountKind, SessionEnd
from loket.identity.domain.staff import Assignment, board_code, may_manage, school_code, username
from loket.identity.persistence.models import Invitation, StaffAccount
from loket.identity.persistence.sessions import Sessions
from loket.identity.persistence.staff import Staff, assignment


@dataclass(frozen=True)
class NewStaff:
    email: str
    assignment: Assignment
    language: str = "nl"


class StaffAdministration:
    def __init__(self, context: Context, keeper: SessionKeeper) -> None:
        self.context = context
        self.keeper = keeper

    async def invite(self, claims: Claims | None, new: NewStaff, client_address: str | None) -> StaffAccount:
        """Open a pending staff account and mail it an invitation; `claims` None is the operator's CLI."""
        email = username(new.email)
        async with self.context.work() as uow:
            staff = Staff(uow.session)
            actor = None if claims is None else await acting(uow, claims)
            if actor is not None and not may_manage(await staff.reach(actor), new.assignment):
                raise Forbidden(f"a {actor.role} may not invite a {new.assignment.role} there")
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
                created_at=uow.now,
            )
            staff.add(account)
            await staff.flush()
            await self._send_invitation(uow, account, actor, client_address)
        return account

    async def reinvite(self, claims: Claims, account_id: UUID, client_address: str | None) -> StaffAccount:
        """A new invitation for an account that has not set its password yet; earlier links stop working."""
        async with self.context.work() as uow:
            actor, account = await managed(uow, claims, account_id)
            if account.state != AccountState.PENDING:
                raise Conflict("this account already set its password; it can use 'forgotten password'")
            await Staff(uow.session).expire_invitations(account.id, uow.now)
            await self._send_invitation(uow, account, actor, client_address)
        return account

    async def _send_invitation(
        self, uow: Uow, account: StaffAccount, actor: StaffAccount | None, client_address: str | None
    ) -> None:
        now = uow.now
        issued = issue_token(now, timedelta(days=self.context.settings.invitation_valid_days))
        Staff(uow.session).add(
            Invitation(account_id=account.id, digest=issued.digest, created_at=now, expires_at=issued.expires_at)
        )
        await uow.emit(
            InvitationIssued(
                account_id=account.id,
                username=account.email,
                role=str(account.role),
                school_brin=account.school_brin,
                board=account.board,
                recipient=account.email,
                sealed_invitation_url=self.context.links.invitation(account.id, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            )
        )
        uow.audit.record(
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
        async with self.context.work() as uow:
            actor, account = await managed(uow, claims, account_id)
            staff = Staff(uow.session)
            if not may_manage(await staff.reach(actor), new):
                raise Forbidden(f"a {actor.role} may not give the role {new.role} there")
            before = assignment(account)
            account.role, account.board, account.school_brin = new.role, new.board, new.school
            account.groups = list(new.groups)
            staff.add(account)
            ended = await self.keeper.end_all(uow, account, SessionEnd.ROLE_CHANGED)
            _audit(
                uow,
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
        async with self.context.work() as uow:
            now = uow.now
            actor, account = await managed(uow, claims, account_id)
            if account.state == AccountState.DEACTIVATED:
                return account
            account.state, account.deactivated_at = AccountState.DEACTIVATED, now
            staff = Staff(uow.session)
            staff.add(account)
            await staff.expire_invitations(account.id, now)
            await Sessions(uow.session).expire_resets(AccountKind.STAFF, account.id, now)
            ended = await self.keeper.end_all(uow, account, SessionEnd.DEACTIVATED)
            _audit(uow, AuditAction.ACCOUNT_DEACTIVATED, actor, account, client_address, sessions_ended=len(ended))
            return account

    async def reactivate(self, claims: Claims, account_id: UUID, client_address: str | None) -> StaffAccount:
        """Undo a deactivation (the wrong account, or a teacher who comes back): the account logs in again
        with its own password and second factor; one that never set a password needs a new invitation."""
        async with self.context.work() as uow:
            actor, account = await managed(uow, claims, account_id)
            if account.state != AccountState.DEACTIVATED:
                raise Conflict("this account is not deactivated")
            account.state = AccountState.ACTIVATED if account.password_hash else AccountState.PENDING
            account.deactivated_at = None
            Staff(uow.session).add(account)
            _audit(uow, AuditAction.ACCOUNT_REACTIVATED, actor, account, client_address, state=account.state.value)
            return account

    async def one(self, claims: Claims, account_id: UUID) -> StaffAccount:
        """One staff account within the administrator's reach (its own too)."""
        async with self.context.work() as uow:
            return await within_reach(uow, await acting(uow, claims), account_id)

    async def within_reach(self, claims: Claims, paging: Paging | None = None) -> tuple[list[StaffAccount], int]:
        """One page of the accounts within the administrator's reach, and how many there are in all."""
        async with self.context.work() as uow:
            actor = await acting(uow, claims)
            staff = Staff(uow.session)
            return await staff.within(await staff.reach(actor), paging or Paging())

    async def board_schools(self, claims: Claims, board: str) -> list[str]:
        async with self.context.work() as uow:
            actor = await acting(uow, claims, roles=(Role.REGION_ADMIN, Role.BOARD_CONTACT))
            if actor.role == Role.BOARD_CONTACT and actor.board != board:
                raise NotFound("no such board within your reach")
            return await Staff(uow.session).board_schools(board_code(board))

    async def set_board_schools(
        self, claims: Claims, board: str, schools: Iterable[str], client_address: str | None
    ) -> list[str]:
        """The region administrator says which schools belong to a board (until dossier publishes boards)."""
        board, schools = board_code(board), sorted({school_code(school) for school in schools})
        async with self.context.work() as uow:
            actor = await acting(uow, claims, roles=(Role.REGION_ADMIN,))
            staff = Staff(uow.session)
            before = await staff.board_schools(board)
            await staff.set_board_schools(board, schools)
            _audit(
                uow,
                AuditAction.BOARD_SCHOOLS_CHANGED,
                actor,
                None,
                client_address,
                board=board,
                before=before,
                after=schools,
            )
            return schools


def _described(assignment: Assignment) -> dict[str, object]:
    return {
        "role": assignment.role.value,
        "board": assignment.board,
        "school": assignment.school,
        "groups": list(assignment.groups),
    }


def _audit(
    uow: Uow,
    action: AuditAction,
    actor: StaffAccount,
    account: StaffAccount | None,
    client_address: str | None,
    **detail: Any,
) -> None:
    """An administrator's step (on another staff account), as the audit log keeps it."""
    uow.audit.record(
        action,
        Outcome.SUCCEEDED,
        actor_id=actor.id,
        actor_role=actor.role,
        subject_id=None if account is None else account.id,
        client_address=client_address,
        **detail,
    )
