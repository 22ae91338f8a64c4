"""Questions between schools (dossier's events): a secondary school's question reaches the pupil's primary
school, and the answer the school that asked, each at the school's contact address as dossier last
published it. The mails say who asks or answers, never what, nor about whom: the texts stay in dossier,
behind its access checks, where the school reads them after logging in."""

from loket.contracts.events import InformationAnswered, InformationRequested, SchoolContactChanged
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.persistence.repository import Messages
from loket.notificatie.sending import Sender


def register(consumer: Consumer, sender: Sender) -> None:
    @consumer.on(SchoolContactChanged)
    async def remember_the_schools_address(delivery: Delivery[SchoolContactChanged]) -> None:
        changed = delivery.payload
        await Messages(delivery.session).remember_school(
            changed.school_brin, changed.school_name, changed.contact_email, delivery.envelope.occurred_at
        )

    @consumer.on(InformationRequested)
    async def tell_the_primary_school_of_the_question(delivery: Delivery[InformationRequested]) -> None:
        await sender.first_attempt(delivery)

    @consumer.on(InformationAnswered)
    async def tell_the_asking_school_of_the_answer(delivery: Delivery[InformationAnswered]) -> None:
        await sender.first_attempt(delivery)
