"""loting's `committed` event came back from the bus: the commitment is public, a seed may be entered."""

from loket.contracts.events import RunCommitted
from loket.contracts.inbox import Delivery
from loket.loting.application import publication


async def open_for_the_seed(delivery: Delivery[RunCommitted]) -> None:
    await publication.commitment_published(delivery.work, delivery.envelope)
