"""identity's links, each mailed to the person it is for: a parent's activation link (the first parent's
address is kept for the mails about the registration), a member of staff's invitation, a password reset.
The links come sealed (v2); a v1 event with the link in clear, in flight at the upgrade, is still mailed."""

from loket.contracts.events import (
    ActivationIssued,
    ActivationIssuedV1,
    InvitationIssued,
    InvitationIssuedV1,
    PasswordResetIssued,
    PasswordResetIssuedV1,
)
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.application.sending import Sending


def register(consumer: Consumer, sending: Sending) -> None:
    @consumer.on(ActivationIssued)
    async def mail_activation_link(delivery: Delivery[ActivationIssued]) -> None:
        await sending.mail_activation_link(delivery.work, delivery.envelope)

    @consumer.on(InvitationIssued)
    async def mail_staff_invitation(delivery: Delivery[InvitationIssued]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(PasswordResetIssued)
    async def mail_password_reset_link(delivery: Delivery[PasswordResetIssued]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(ActivationIssuedV1)
    async def mail_activation_link_v1(delivery: Delivery[ActivationIssuedV1]) -> None:
        await sending.mail_activation_link(delivery.work, delivery.envelope)

    @consumer.on(InvitationIssuedV1)
    async def mail_staff_invitation_v1(delivery: Delivery[InvitationIssuedV1]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(PasswordResetIssuedV1)
    async def mail_password_reset_link_v1(delivery: Delivery[PasswordResetIssuedV1]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)
