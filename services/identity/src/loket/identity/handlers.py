"""What identity does when other services' events arrive."""

from datetime import UTC, datetime, timedelta

from loket.contracts.events import ActivationIssued, MessageFailed, MessageSent, PupilRegistered
from loket.contracts.inbox import Consumer, Delivery
from loket.identity.domain.accounts import MailState, activation_url, issue_token
from loket.identity.persistence.models import ActivationToken, ParentAccount
from loket.identity.persistence.repository import Accounts
from loket.identity.persistence.staff import Staff
from loket.identity.settings import IdentitySettings

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"


def register(consumer: Consumer, settings: IdentitySettings) -> None:
    @consumer.on(PupilRegistered)
    async def open_parent_account(delivery: Delivery[PupilRegistered]) -> None:
        pupil = delivery.payload
        accounts = Accounts(delivery.session)
        if await accounts.for_pupil(pupil.pupil_id) is not None:
            return  # one account per pupil; a second parent is a later, explicit request
        now = datetime.now(UTC)
        account = ParentAccount(
            pupil_id=pupil.pupil_id, username=pupil.elk_number, email=pupil.parent_email, created_at=now
        )
        accounts.add(account)
        await delivery.session.flush()  # the token refers to the account: insert the account first
        issued = issue_token(now, timedelta(days=settings.activation_valid_days))
        accounts.add(ActivationToken(account_id=account.id, digest=issued.digest, expires_at=issued.expires_at))
        await delivery.emit(
            ActivationIssued(
                account_id=account.id,
                pupil_id=pupil.pupil_id,
                username=account.username,
                recipient=account.email,
                activation_url=activation_url(settings.public_url, issued.token),
                expires_at=issued.expires_at,
            )
        )

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
        account = await Accounts(delivery.session).get(message.reference)
        if account is not None:
            account.activation_mail, account.activation_mail_error = state, error
            delivery.session.add(account)
    elif message.template == INVITATION_TEMPLATE:
        staff = await Staff(delivery.session).get(message.reference)
        if staff is not None:
            staff.invitation_mail, staff.invitation_mail_error = state, error
            delivery.session.add(staff)
