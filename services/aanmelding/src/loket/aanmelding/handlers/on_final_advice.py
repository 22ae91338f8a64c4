"""dossier: the primary school gave the pupil's final advice, which opens registration."""

from loket.aanmelding.application.pupils import final_advice_given
from loket.contracts.events import FinalAdviceGiven
from loket.contracts.inbox import Delivery


async def on_final_advice(delivery: Delivery[FinalAdviceGiven]) -> None:
    await final_advice_given(delivery.work, delivery.payload, delivery.envelope.occurred_at)
