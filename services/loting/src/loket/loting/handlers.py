"""What loting does when its own run events come back from the bus, and when aanmelding asks it to hold a
lottery's ceremony.

Each step of a ceremony waits for the event of the step before it: the commitment counts as
published once `committed` came back, and a run executes on its own `seeded` (or `retried`). Every run
event is also kept with the moment it was seen on the bus, for the proces-verbaal. The inbox makes a
redelivered event change nothing; a completed run never runs again, whatever arrives.
"""

from loket.contracts.events import (
    LotteryCeremonyRequested,
    RunCommitted,
    RunCompleted,
    RunFailed,
    RunRequested,
    RunRetried,
    RunSeeded,
)
from loket.contracts.inbox import Consumer, Delivery
from loket.loting import runs


def register(consumer: Consumer) -> None:
    @consumer.on(LotteryCeremonyRequested)
    async def lottery_to_run(delivery: Delivery[LotteryCeremonyRequested]) -> None:
        await runs.ceremony_requested(delivery)

    @consumer.on(RunRequested)
    async def run_requested(delivery: Delivery[RunRequested]) -> None:
        await runs.seen_on_bus(delivery)

    @consumer.on(RunCommitted)
    async def commitment_published(delivery: Delivery[RunCommitted]) -> None:
        await runs.commitment_published(delivery)

    @consumer.on(RunSeeded)
    async def run_seeded(delivery: Delivery[RunSeeded]) -> None:
        await runs.execute(delivery)

    @consumer.on(RunRetried)
    async def run_retried(delivery: Delivery[RunRetried]) -> None:
        await runs.execute(delivery)

    @consumer.on(RunCompleted)
    async def run_completed(delivery: Delivery[RunCompleted]) -> None:
        await runs.seen_on_bus(delivery)

    @consumer.on(RunFailed)
    async def run_failed(delivery: Delivery[RunFailed]) -> None:
        await runs.seen_on_bus(delivery)
