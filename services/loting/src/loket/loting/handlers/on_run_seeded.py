"""A run was seeded, or a failed one retried, and the event came back from the bus: the engine runs."""

from loket.contracts.events import RunRetried, RunSeeded
from loket.contracts.inbox import Delivery
from loket.loting.application import execution


async def execute(delivery: Delivery[RunSeeded] | Delivery[RunRetried]) -> None:
    await execution.execute(delivery.work, delivery.envelope)
