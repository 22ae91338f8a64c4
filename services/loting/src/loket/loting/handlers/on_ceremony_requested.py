"""aanmelding asks for the ceremony of a lottery it took: loting opens a run with the lottery's id."""

from loket.contracts.events import LotteryCeremonyRequested
from loket.contracts.inbox import Delivery
from loket.loting.application import ceremony


async def open_run(delivery: Delivery[LotteryCeremonyRequested]) -> None:
    await ceremony.request_for_lottery(delivery.work, delivery.payload)
