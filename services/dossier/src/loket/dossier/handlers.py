"""What dossier does when other services' events arrive: the dots of the parent logins."""

from loket.contracts.events import ParentLoginStateChanged
from loket.contracts.inbox import Consumer, Delivery
from loket.dossier.parent_logins import record_state


def register(consumer: Consumer) -> None:
    @consumer.on(ParentLoginStateChanged)
    async def parent_login_changed(delivery: Delivery[ParentLoginStateChanged]) -> None:
        """identity says how far a parent login got: the school sees it on the pupil."""
        await record_state(delivery.session, delivery.payload, delivery.envelope.occurred_at)
