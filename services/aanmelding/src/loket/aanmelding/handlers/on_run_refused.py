"""loting could not open a lottery's run: the region sees why on the lottery, and may ask again."""

from collections.abc import Awaitable, Callable

from loket.aanmelding.application.lottery import Lotteries
from loket.contracts.events import RunRefused
from loket.contracts.inbox import Delivery


def on_run_refused(lotteries: Lotteries) -> Callable[[Delivery[RunRefused]], Awaitable[None]]:
    async def run_refused(delivery: Delivery[RunRefused]) -> None:
        await lotteries.run_refused(delivery.work, delivery.payload)

    return run_refused
