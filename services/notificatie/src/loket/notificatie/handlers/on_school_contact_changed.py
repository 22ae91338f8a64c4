"""dossier published a school's contact address: where the school hears of questions between schools."""

from loket.contracts.events import SchoolContactChanged
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.application.directory import remember_the_schools_address


def register(consumer: Consumer) -> None:
    @consumer.on(SchoolContactChanged)
    async def remember_the_address(delivery: Delivery[SchoolContactChanged]) -> None:
        await remember_the_schools_address(delivery.work, delivery.payload, delivery.envelope.occurred_at)
