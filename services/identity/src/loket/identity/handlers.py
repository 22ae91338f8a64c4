"""What identity does when other services' events arrive."""

from datetime import UTC, datetime
from typing import Any

from loket.contracts.events import MessageFailed, MessageSent, ParentLoginRequested, PupilRegistered
from loket.contracts.inbox import Consumer, Delivery
from loket.identity.domain.accounts import MailState
from loket.identity.parent_logins import ParentLogins
from loket.identity.persistence.staff import Staff
from loket.identity.settings import IdentitySettings

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"


def register(consumer: Consumer, settings: IdentitySettings) -> None:
    def parent_logins(delivery: Delivery[Any]) -> ParentLogins:
        return ParentLogins(delivery.session, settings, delivery.emit, lock_rows=not consumer.database.is_sqlite)

    @consumer.on(PupilRegistered)
    async def offer_parent_logins(delivery: Delivery[PupilRegistered]) -> None:
        """No account and no mail yet: the school asks for a parent's login when it has checked the address."""
        await parent_logins(delivery).offer(delivery.payload.pupil_id)

    @consumer.on(ParentLoginRequested)
    async def open_parent_account(delivery: Delivery[ParentLoginRequested]) -> None:
        await parent_logins(delivery).request(delivery.payload, datetime.now(UTC))

    @consumer.on(MessageSent)
    async def activation_mail_sent(delivery: Delivery[MessageSent]) -> None:
        await _record_mail(delivery, MailState.SENT, None)

    @consumer.on(MessageFailed)
    async def activation_mail_failed(delivery: Delivery[MessageFailed]) -> None:
        await _record_mail(delivery, MailState.FAILED, delivery.payload.reason)

    async def _record_mail(
        delivery: Delivery[MessageSent] | Delivery[MessageFailed], state: MailState, error: str | None
    ) -> None:
        """The school sees whether a parent's activation mail went out; an administrator, an invitation's."""
        message = delivery.payload
        if message.template == ACTIVATION_TEMPLATE:
            await parent_logins(delivery).mail_outcome(message.reference, message.requested_by, state, error)
        elif message.template == INVITATION_TEMPLATE:
            staff = await Staff(delivery.session).get(message.reference)
            if staff is not None:
                staff.invitation_mail, staff.invitation_mail_error = state, error
                delivery.session.add(staff)
