"""A parent's login to a pupil, from the primary school's request to the dot the school sees.

- A pupil is registered (`dossier.pupil.registered.v1`): identity offers the pupil's parent logins, the
  first parent's and, where the region allows it (`LOKET_IDENTITY_SECOND_PARENT`), a second one, each
  announced as not sent (a white dot). Nobody is mailed.
- The school asks for one parent's login (`dossier.parent_login.requested.v1`, "ouderinlog versturen"):
  identity opens the parent account (username the ELK number, `-2` for a second parent) with a
  single-use activation link, and has it mailed (`identity.activation.issued.v2`, the link sealed). Asking again while
  the account is not activated replaces the link: the earlier ones stop working, a locked link is
  unlocked that way, and the address, language and answers are taken from the new request. An
  activated account is refused: its parent logs in, or asks for a new password by mail.
- Every change of the dot is announced (`identity.parent_login.state_changed.v1`) with a revision
  that counts up, so that dossier keeps the newest whatever order the events arrive in.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from loket.contracts.events import ActivationIssued, ParentLoginRequested, ParentLoginStateChanged
from loket.identity.application.context import Context, Uow
from loket.identity.domain.accounts import (
    AccountState,
    LoginState,
    MailState,
    Parent,
    issue_token,
    login_state,
    parent_username,
)
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.persistence.models import ActivationToken, ParentAccount
from loket.identity.persistence.repository import Accounts

log = logging.getLogger(__name__)


class ParentLogins:
    """The steps of a parent login, each in the unit of work of the event or request that causes it."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.settings = context.settings

    def offered(self) -> tuple[Parent, ...]:
        return (Parent.FIRST, Parent.SECOND) if self.settings.second_parent else (Parent.FIRST,)

    async def offer(self, uow: Uow, pupil_id: UUID) -> None:
        """A registered pupil: a white dot for each parent login the region offers and nobody asked for yet."""
        accounts = Accounts(uow.session)
        for parent in self.offered():
            if await accounts.for_pupil(pupil_id, parent) is None:
                await uow.emit(
                    ParentLoginStateChanged(
                        pupil_id=pupil_id, parent=int(parent), state=LoginState.NOT_SENT.value, revision=0
                    )
                )

    async def request(self, uow: Uow, requested: ParentLoginRequested) -> ParentAccount | None:
        """Open the account with a fresh link, or replace the link of a pending one; None when refused."""
        now = uow.now
        accounts = Accounts(uow.session)
        parent = Parent(requested.parent)
        audit = uow.audit
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
        await accounts.remember_school(requested.school_brin, requested.school_name, now)
        account = await accounts.for_pupil(requested.pupil_id, parent, for_update=True)
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
            await accounts.void_tokens(account.id, now)  # before the new link is added: it must survive
            account.email = str(requested.parent_email)
        account.language = requested.language
        account.school_brin = requested.school_brin
        account.birth_date = requested.birth_date
        account.activation_mail, account.activation_mail_error = MailState.NOT_SENT, None
        accounts.add(account)
        await accounts.flush()  # the link refers to the account: insert the account first
        issued = issue_token(now, timedelta(days=self.settings.activation_valid_days))
        token = ActivationToken(account_id=account.id, digest=issued.digest, expires_at=issued.expires_at)
        envelope = await uow.emit(
            ActivationIssued(
                account_id=account.id,
                pupil_id=account.pupil_id,
                username=account.username,
                recipient=account.email,
                sealed_activation_url=self.context.links.activation(account.id, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            )
        )
        token.issued_event_id = envelope.event_id
        accounts.add(token)
        await self.announce(uow, account, locked=False)
        audit.record(
            AuditAction.PARENT_LOGIN_ISSUED,
            Outcome.SUCCEEDED,
            subject_id=account.id,
            pupil_id=str(account.pupil_id),
            parent=account.parent,
            again=again,
        )
        return account

    async def mail_outcome(
        self, uow: Uow, account_id: UUID, requested_by: UUID, state: MailState, error: str | None
    ) -> None:
        """The mail of an activation link went out, or could not be delivered. The outcome of the mail of
        a link that a newer one has replaced says nothing about the newer one's mail."""
        accounts = Accounts(uow.session)
        account = await accounts.get(account_id, for_update=True)
        if account is None:
            return
        token = await accounts.token_issued_by(requested_by)
        current = await accounts.current_token(account.id)
        if token is not None and current is not None and token.id != current.id:
            return
        account.activation_mail, account.activation_mail_error = state, error
        accounts.add(account)
        await self.announce(uow, account, locked=current is not None and current.locked_at is not None)

    async def announce(self, uow: Uow, account: ParentAccount, *, locked: bool) -> None:
        """Tell the school when the dot of this parent login changes."""
        state = login_state(AccountState(account.state), MailState(account.activation_mail), locked=locked)
        if state == account.login_state:
            return
        account.login_state, account.revision = state, account.revision + 1
        Accounts(uow.session).add(account)
        await uow.emit(
            ParentLoginStateChanged(
                pupil_id=account.pupil_id, parent=account.parent, state=state.value, revision=account.revision
            )
        )
