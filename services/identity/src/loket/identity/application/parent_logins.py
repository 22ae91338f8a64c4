"""A parent's login to a pupil, from the primary school's request to the dot the school sees.

- A pupil is registered (`dossier.pupil.registered.v1`): identity offers the pupil's parent logins, the
  first parent's and, where the region allows it (`LOKET_IDENTITY_SECOND_PARENT`), a second one, each
  announced as not sent (a white dot). Nobody is mailed.
- The school asks for one parent's login (`dossier.parent_login.requested.v1`, "ouderinlog versturen"):
  identity opens the parent account (username the ELK number, `-2` for a second parent) with a
  single-use activation link, and has it mailed (`identity.activation.issued.v1`). Asking again while
  the account is not activated replaces the link: the earlier ones stop working, a locked link is
  unlocked that way, and the address, language and answers are taken from the new request. An
  activated account is refused: its parent logs in, or asks for a new password by mail.
- Every change of the dot is announced (`identity.parent_login.state_changed.v1`) with a revision
  that counts up, so that dossier keeps the newest whatever order the events arrive in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import ActivationIssued, EventPayload, ParentLoginRequested, ParentLoginStateChanged
from loket.identity.domain.accounts import (
    AccountState,
    LoginState,
    MailState,
    Parent,
    activation_url,
    issue_token,
    login_state,
    parent_username,
)
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import ActivationToken, ParentAccount
from loket.identity.persistence.repository import Accounts
from loket.identity.settings import IdentitySettings

log = logging.getLogger(__name__)

Emit = Callable[[EventPayload], Awaitable[Any]]
"""Puts an event in the outbox, in the caller's transaction; returns its envelope."""


class ParentLogins:
    """The steps of a parent login, each inside the transaction of the event or request that causes it."""

    def __init__(self, session: AsyncSession, settings: IdentitySettings, emit: Emit, *, lock_rows: bool) -> None:
        self.session = session
        self.settings = settings
        self.emit = emit
        self.lock_rows = lock_rows  # FOR UPDATE on PostgreSQL; SQLite's writers take turns anyway
        self.accounts = Accounts(session)

    def offered(self) -> tuple[Parent, ...]:
        return (Parent.FIRST, Parent.SECOND) if self.settings.second_parent else (Parent.FIRST,)

    async def offer(self, pupil_id: UUID) -> None:
        """A registered pupil: a white dot for each parent login the region offers and nobody asked for yet."""
        for parent in self.offered():
            if await self.accounts.for_pupil(pupil_id, parent) is None:
                await self.emit(
                    ParentLoginStateChanged(
                        pupil_id=pupil_id, parent=int(parent), state=LoginState.NOT_SENT.value, revision=0
                    )
                )

    async def request(self, requested: ParentLoginRequested, now: datetime) -> ParentAccount | None:
        """Open the account with a fresh link, or replace the link of a pending one; None when refused."""
        parent = Parent(requested.parent)
        audit = AuditLog(self.session)
        if parent not in self.offered():
            log.warning("a second parent's login was asked for pupil %s; this region offers none", requested.pupil_id)
            audit.record(
                AuditAction.PARENT_LOGIN_REFUSED,
                Outcome.REFUSED,
                pupil_id=str(requested.pupil_id),
                parent=int(parent),
                reason="second_parent_not_offered",
            )
            return None
        await self.accounts.remember_school(requested.school_brin, requested.school_name, now)
        account = await self.accounts.for_pupil(requested.pupil_id, parent, for_update=self.lock_rows)
        if account is not None and account.state != AccountState.PENDING:
            audit.record(
                AuditAction.PARENT_LOGIN_REFUSED,
                Outcome.REFUSED,
                subject_id=account.id,
                pupil_id=str(requested.pupil_id),
                parent=int(parent),
                reason=f"account_{account.state}",
            )
            return None
        again = account is not None
        if account is None:
            account = ParentAccount(
                pupil_id=requested.pupil_id,
                parent=int(parent),
                username=parent_username(requested.elk_number, parent),
                email=str(requested.parent_email),
                created_at=now,
            )
        else:
            await self.accounts.void_tokens(account.id, now)  # before the new link is added: it must survive
            account.email = str(requested.parent_email)
        account.language = requested.language
        account.school_brin = requested.school_brin
        account.birth_date = requested.birth_date
        account.activation_mail, account.activation_mail_error = MailState.NOT_SENT, None
        self.accounts.add(account)
        await self.session.flush()  # the link refers to the account: insert the account first
        issued = issue_token(now, timedelta(days=self.settings.activation_valid_days))
        token = ActivationToken(account_id=account.id, digest=issued.digest, expires_at=issued.expires_at)
        envelope = await self.emit(
            ActivationIssued(
                account_id=account.id,
                pupil_id=account.pupil_id,
                username=account.username,
                recipient=account.email,
                activation_url=activation_url(self.settings.portal_url, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            )
        )
        token.issued_event_id = envelope.event_id
        self.accounts.add(token)
        await self.announce(account, locked=False)
        audit.record(
            AuditAction.PARENT_LOGIN_ISSUED,
            Outcome.SUCCEEDED,
            subject_id=account.id,
            pupil_id=str(account.pupil_id),
            parent=account.parent,
            again=again,
        )
        return account

    async def mail_outcome(self, account_id: UUID, requested_by: UUID, state: MailState, error: str | None) -> None:
        """The mail of an activation link went out, or could not be delivered. The outcome of the mail of
        a link that a newer one has replaced says nothing about the newer one's mail."""
        account = await self.accounts.get(account_id)
        if account is None:
            return
        token = await self.accounts.token_issued_by(requested_by)
        current = await self.accounts.current_token(account.id)
        if token is not None and current is not None and token.id != current.id:
            return
        account.activation_mail, account.activation_mail_error = state, error
        self.accounts.add(account)
        await self.announce(account, locked=current is not None and current.locked_at is not None)

    async def announce(self, account: ParentAccount, *, locked: bool) -> None:
        """Tell the school when the dot of this parent login changes."""
        state = login_state(AccountState(account.state), MailState(account.activation_mail), locked=locked)
        if state == account.login_state:
            return
        account.login_state, account.revision = state, account.revision + 1
        self.accounts.add(account)
        await self.emit(
            ParentLoginStateChanged(
                pupil_id=account.pupil_id, parent=account.parent, state=state.value, revision=account.revision
            )
        )
