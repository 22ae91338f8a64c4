"""aanmelding says which secondary schools received a pupil's registration: they read the pupil's dossier
while it stands, and no longer once it is withdrawn."""

from loket.contracts.events import RegistrationSubmitted, RegistrationWithdrawn
from loket.contracts.inbox import Consumer, Delivery
from loket.dossier.application.sharing import record_registration


def register(consumer: Consumer) -> None:
    @consumer.on(RegistrationSubmitted)
    async def registration_submitted(delivery: Delivery[RegistrationSubmitted]) -> None:
        await record_registration(delivery.work, delivery.payload, delivery.envelope.occurred_at)

    @consumer.on(RegistrationWithdrawn)
    async def registration_withdrawn(delivery: Delivery[RegistrationWithdrawn]) -> None:
        await record_registration(delivery.work, delivery.payload, delivery.envelope.occurred_at)
