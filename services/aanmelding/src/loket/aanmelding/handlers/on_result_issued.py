"""loting's ceremony completed: its result is applied to the lottery whose market its run committed to."""

import logging
from collections.abc import Awaitable, Callable

from loket.aanmelding.application.lottery import Lotteries
from loket.contracts.events import ResultIssued
from loket.contracts.inbox import Delivery

log = logging.getLogger(__name__)


def on_result_issued(lotteries: Lotteries) -> Callable[[Delivery[ResultIssued]], Awaitable[None]]:
    async def result_issued(delivery: Delivery[ResultIssued]) -> None:
        lottery = await lotteries.result_issued(delivery.work, delivery.payload)
        if lottery is None:
            log.info("aanmelding: loting's run %s is of no lottery waiting here", delivery.payload.run_id)
        elif lottery.ceremony_refusal:
            log.error("aanmelding: lottery %s: loting's result refused: %s", lottery.id, lottery.ceremony_refusal)

    return result_issued
