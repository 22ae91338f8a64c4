"""A secondary school's question to a primary school about a pupil (`dossier.information.requested.v1`).

notificatie takes the event (once, through its inbox) so that it is routable, and builds no message yet:
the question's text stays in dossier, and the primary school's address for such questions is not known
here. Turning it into a mail to the primary school is left for later; until then it leaves a log line
with ids only.
"""

import logging

from loket.contracts.events import InformationRequested
from loket.contracts.inbox import Consumer, Delivery

log = logging.getLogger(__name__)


def register(consumer: Consumer) -> None:
    @consumer.on(InformationRequested)
    async def information_requested(delivery: Delivery[InformationRequested]) -> None:
        asked = delivery.payload
        log.info(
            "information request %s about pupil %s from %s to %s: no message is built yet",
            asked.request_id,
            asked.pupil_id,
            asked.from_school_brin,
            asked.to_school_brin,
        )
