"""aanmelding's news of a registration, mailed to the first parent at the address the activation link
went to: submitted, a priority claim decided, a school ended it, a reminder before the window closes, the
outcome published."""

from loket.contracts.events import (
    PlacementPublished,
    PriorityClaimDecided,
    RegistrationEndedBySchool,
    RegistrationSubmitted,
    ReminderDue,
)
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.application.sending import Sending


def register(consumer: Consumer, sending: Sending) -> None:
    @consumer.on(RegistrationSubmitted)
    async def mail_registration_confirmation(delivery: Delivery[RegistrationSubmitted]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(PriorityClaimDecided)
    async def mail_priority_decision(delivery: Delivery[PriorityClaimDecided]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(RegistrationEndedBySchool)
    async def mail_registration_ended(delivery: Delivery[RegistrationEndedBySchool]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(ReminderDue)
    async def mail_reminder(delivery: Delivery[ReminderDue]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(PlacementPublished)
    async def mail_outcome_known(delivery: Delivery[PlacementPublished]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)
