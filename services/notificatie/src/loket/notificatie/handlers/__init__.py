"""What notificatie does when other services' events arrive: a message per event, sent once; the first
parent's address from the activation mail, for the mails about the registration
(`sending.py` tries again later when the mail server asks for it); and which school registered each
pupil, so the school sees the messages about its pupils."""

from datetime import UTC, datetime

from loket.contracts.events import (
    ActivationIssued,
    InvitationIssued,
    PasswordResetIssued,
    PlacementPublished,
    PriorityClaimDecided,
    PupilRegistered,
    RegistrationEndedBySchool,
    RegistrationSubmitted,
    ReminderDue,
)
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.persistence.repository import Messages
from loket.notificatie.sending import Sender


def register(consumer: Consumer, sender: Sender) -> None:
    @consumer.on(ActivationIssued)
    async def mail_activation_link(delivery: Delivery[ActivationIssued]) -> None:
        issued = delivery.payload
        if not issued.username.endswith("-2"):  # the first parent's: where mail about the registration goes
            await Messages(delivery.session).remember_parent_address(
                issued.pupil_id, issued.recipient, issued.username, issued.language, datetime.now(UTC)
            )
        await sender.first_attempt(delivery)

    @consumer.on(RegistrationSubmitted)
    async def mail_registration_confirmation(delivery: Delivery[RegistrationSubmitted]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(PriorityClaimDecided)
    async def mail_priority_decision(delivery: Delivery[PriorityClaimDecided]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(RegistrationEndedBySchool)
    async def mail_registration_ended(delivery: Delivery[RegistrationEndedBySchool]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(ReminderDue)
    async def mail_reminder(delivery: Delivery[ReminderDue]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(PlacementPublished)
    async def mail_outcome_known(delivery: Delivery[PlacementPublished]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(InvitationIssued)
    async def mail_staff_invitation(delivery: Delivery[InvitationIssued]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(PasswordResetIssued)
    async def mail_password_reset_link(delivery: Delivery[PasswordResetIssued]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(PupilRegistered)
    async def remember_the_pupils_school(delivery: Delivery[PupilRegistered]) -> None:
        registered = delivery.payload  # its school only: the parent's address and ELK number are not kept
        await Messages(delivery.session).remember_pupil(registered.pupil_id, registered.school_brin, datetime.now(UTC))
