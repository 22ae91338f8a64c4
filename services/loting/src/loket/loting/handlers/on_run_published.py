"""One of a run's other events (requested, completed, failed) came back from the bus: it is kept, with
when it was seen, for the proces-verbaal."""

from typing import Any

from loket.contracts.inbox import Delivery
from loket.loting.application import publication


async def keep(delivery: Delivery[Any]) -> None:
    await publication.seen_on_bus(delivery.work, delivery.envelope)
