"""dossier: the pupil's details changed, so the registration form must be checked again."""

from loket.aanmelding.application.pupils import form_outdated
from loket.contracts.events import RegistrationFormOutdated
from loket.contracts.inbox import Delivery


async def on_form_outdated(delivery: Delivery[RegistrationFormOutdated]) -> None:
    await form_outdated(delivery.work, delivery.payload, delivery.envelope.occurred_at)
