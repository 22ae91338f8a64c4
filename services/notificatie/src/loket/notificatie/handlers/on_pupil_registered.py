"""dossier registered a pupil: notificatie keeps which school did, so that the school sees the messages
about its pupils."""

from loket.contracts.events import PupilRegistered
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.application.directory import remember_the_pupils_school


def register(consumer: Consumer) -> None:
    @consumer.on(PupilRegistered)
    async def remember_the_school(delivery: Delivery[PupilRegistered]) -> None:
        await remember_the_pupils_school(delivery.work, delivery.payload)
