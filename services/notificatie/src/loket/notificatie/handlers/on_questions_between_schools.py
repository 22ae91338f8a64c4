"""Questions between schools (dossier's events): a secondary school's question reaches the pupil's primary
school, and the answer the school that asked, each at the school's contact address as dossier last
published it. The mails say who asks or answers, never what, nor about whom: the texts stay in dossier,
behind its access checks, where the school reads them after logging in."""

from loket.contracts.events import InformationAnswered, InformationRequested
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.application.sending import Sending


def register(consumer: Consumer, sending: Sending) -> None:
    @consumer.on(InformationRequested)
    async def tell_the_primary_school_of_the_question(delivery: Delivery[InformationRequested]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)

    @consumer.on(InformationAnswered)
    async def tell_the_asking_school_of_the_answer(delivery: Delivery[InformationAnswered]) -> None:
        await sending.first_attempt(delivery.work, delivery.envelope)
