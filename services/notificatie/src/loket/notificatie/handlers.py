"""What notificatie does when other services' events arrive: a message per event, sent once
(`sending.py` tries again later when the mail server asks for it)."""

from loket.contracts.events import ActivationIssued, InvitationIssued, PasswordResetIssued
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.sending import Sender


def register(consumer: Consumer, sender: Sender) -> None:
    @consumer.on(ActivationIssued)
    async def mail_activation_link(delivery: Delivery[ActivationIssued]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(InvitationIssued)
    async def mail_staff_invitation(delivery: Delivery[InvitationIssued]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(PasswordResetIssued)
    async def mail_password_reset_link(delivery: Delivery[PasswordResetIssued]) -> None:
        await sender.first_attempt(delivery)
