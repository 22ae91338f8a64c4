"""Whether a mail identity asked for went out (notificatie's `message.sent` / `message.failed`): the school
sees it on a parent's activation mail (the dot), an administrator on a staff member's invitation."""

from __future__ import annotations

from loket.contracts.events import MessageFailed, MessageSent
from loket.identity.application.context import Uow
from loket.identity.application.parent_logins import ParentLogins
from loket.identity.domain.accounts import MailState
from loket.identity.persistence.staff import Staff

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"


class MailOutcomes:
    def __init__(self, parent_logins: ParentLogins) -> None:
        self.parent_logins = parent_logins

    async def record(self, uow: Uow, message: MessageSent | MessageFailed) -> None:
        state, error = (
            (MailState.SENT, None) if isinstance(message, MessageSent) else (MailState.FAILED, message.reason)
        )
        if message.template == ACTIVATION_TEMPLATE:
            await self.parent_logins.mail_outcome(uow, message.reference, message.requested_by, state, error)
        elif message.template == INVITATION_TEMPLATE:
            staff = Staff(uow.session)
            account = await staff.get(message.reference)
            if account is not None:
                account.invitation_mail, account.invitation_mail_error = state, error
                staff.add(account)
