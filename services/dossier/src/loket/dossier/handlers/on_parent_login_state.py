"""identity says how far a parent login got: the school sees it on the pupil (the dots)."""

from loket.contracts.events import ParentLoginStateChanged
from loket.contracts.inbox import Consumer, Delivery
from loket.dossier.application.parent_logins import record_state


def register(consumer: Consumer) -> None:
    @consumer.on(ParentLoginStateChanged)
    async def parent_login_changed(delivery: Delivery[ParentLoginStateChanged]) -> None:
        await record_state(delivery.work, delivery.payload, delivery.envelope.occurred_at)
