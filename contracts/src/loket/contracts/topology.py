"""The broker topology: one durable topic exchange for all events, per consuming service one durable
quorum queue with a delivery limit that dead-letters into that service's dead-letter queue, and the
journal: a stream that keeps every event in the catalog for a while, for services that build on Loket's
events (they read it from any offset; it is never consumed away).

The whole topology is declared once by whoever provisions the broker, with administrator rights
(`declare_topology`, or the definitions of `loket.contracts.broker_access`), so an event is routable to
every consumer before any service has run. A service connects as a user of its own that may not declare
exchanges or touch another service's queues: at start it checks that the exchanges are there and
declares only its own queues and their bindings (`declare_service_topology`; idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from loket.contracts.events import (
    CATALOG,
    ActivationIssued,
    ActivationIssuedV1,
    EventPayload,
    FinalAdviceGiven,
    GroupTeachersChanged,
    InformationAnswered,
    InformationRequested,
    InvitationIssued,
    InvitationIssuedV1,
    LotteryCeremonyRequested,
    MessageFailed,
    MessageSent,
    ParentLoginRequested,
    ParentLoginStateChanged,
    PasswordResetIssued,
    PasswordResetIssuedV1,
    PlacementPublished,
    PriorityClaimDecided,
    PupilGroupChanged,
    PupilRegistered,
    RegistrationEndedBySchool,
    RegistrationFormOutdated,
    RegistrationSubmitted,
    RegistrationWithdrawn,
    ReminderDue,
    ResultIssued,
    RunCommitted,
    RunCompleted,
    RunFailed,
    RunRefused,
    RunRequested,
    RunRetried,
    RunSeeded,
    SchoolContactChanged,
)

if TYPE_CHECKING:
    from faststream.rabbit import RabbitBroker

EVENTS_EXCHANGE = RabbitExchange("loket.events", type=ExchangeType.TOPIC, durable=True)
DEAD_LETTER_EXCHANGE = RabbitExchange("loket.dead", type=ExchangeType.DIRECT, durable=True)

SUBSCRIPTIONS: dict[str, tuple[type[EventPayload], ...]] = {
    # identity offers a registered pupil's parent logins (the white dots), opens a parent account when the
    # school asks for it, and follows its activation mail.
    "identity": (PupilRegistered, ParentLoginRequested, MessageSent, MessageFailed),
    # notificatie mails links, the confirmation of a registration, a school's decision on a priority
    # claim, that a school ended a registration (support needs: register elsewhere), reminders to parents
    # who are not done, and that a round's results can be seen; it keeps which school registered each
    # pupil so the school sees how the messages about its pupils fared; and it
    # tells a primary school of a secondary school's question, and the school that asked of the answer, at
    # the school's contact address. It still mails a link event of v1 (the link in clear) that was in flight
    # when identity started sealing them (`loket.contracts.events.identity_v1`).
    "notificatie": (
        ActivationIssued,
        InvitationIssued,
        PasswordResetIssued,
        ActivationIssuedV1,
        InvitationIssuedV1,
        PasswordResetIssuedV1,
        PupilRegistered,
        SchoolContactChanged,
        InformationRequested,
        InformationAnswered,
        RegistrationSubmitted,
        RegistrationEndedBySchool,
        PriorityClaimDecided,
        ReminderDue,
        PlacementPublished,
    ),
    # dossier shows the school how far each parent login got (the dots), and lets a secondary school read
    # the dossier of a pupil registered with it, while the registration stands.
    "dossier": (ParentLoginStateChanged, RegistrationSubmitted, RegistrationWithdrawn),
    # loting takes each step of a lottery ceremony only once the previous step's event has come back
    # from the bus, which proves it was published: a seed is accepted only after the commitment was
    # seen on the bus, and the run executes on its own `seeded`. The other run events are consumed
    # too, so that every one is routable and loting keeps when it was seen published (proces-verbaal).
    # It holds the ceremony of a lottery aanmelding took when the region asks for it.
    "loting": (RunRequested, RunCommitted, RunSeeded, RunRetried, RunCompleted, RunFailed, LotteryCeremonyRequested),
    # aanmelding opens registration on a pupil's final advice and prepares a fresh registration form when
    # the pupil's details change; it keeps a new pupil's ELK number, by which twins name each other, and
    # each pupil's group and each group's teachers, so that a teacher sees only the pupils of their groups.
    # It applies a ceremony's result to the lottery whose market the run committed to, and shows the region
    # why loting could not open the run it asked for.
    "aanmelding": (
        PupilRegistered,
        FinalAdviceGiven,
        RegistrationFormOutdated,
        PupilGroupChanged,
        GroupTeachersChanged,
        ResultIssued,
        RunRefused,
    ),
}
"""Which events each service consumes. A service's handlers must match this exactly."""

DEFAULT_DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class ServiceQueues:
    service: str
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT

    @property
    def work(self) -> RabbitQueue:
        return RabbitQueue(
            f"loket.{self.service}",
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments={
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
                "x-dead-letter-routing-key": self.service,
                # at-least-once dead-lettering: a message leaves for the dead-letter queue only
                # once that queue has confirmed it (needs reject-publish overflow).
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    @property
    def dead(self) -> RabbitQueue:
        return RabbitQueue(f"loket.{self.service}.dead", queue_type=QueueType.QUORUM, durable=True)

    @property
    def routing_keys(self) -> list[str]:
        return [event.routing_key() for event in SUBSCRIPTIONS.get(self.service, ())]


# Every event is published mandatory, so an event the exchange cannot route is retried, never dropped. The
# journal is bound to each journaled event in the catalog by name (not to `#`): an event a service
# publishes without a schema in the catalog stays unroutable, and that mistake shows; an event with a
# credential or contact details (`journaled=False`) reaches its consumers only. Retention is bounded in
# time and size: the events carry pseudonymous ids, no names, but nothing about children is kept for ever.
JOURNAL = RabbitQueue(
    "loket.journal",
    queue_type=QueueType.STREAM,
    durable=True,
    arguments={"x-max-age": "180D", "x-max-length-bytes": 2 * 1024**3},
)


async def declare_topology(broker: RabbitBroker, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> None:
    """Declare the exchanges, the journal, every consuming service's queues, and their bindings."""
    events = await broker.declare_exchange(EVENTS_EXCHANGE)
    journal = await broker.declare_queue(JOURNAL)
    for key in sorted(key for key, event in CATALOG.items() if event.journaled):
        await journal.bind(events, routing_key=key)
    dead = await broker.declare_exchange(DEAD_LETTER_EXCHANGE)
    for service in SUBSCRIPTIONS:
        queues = ServiceQueues(service, delivery_limit)
        dead_queue = await broker.declare_queue(queues.dead)
        await dead_queue.bind(dead, routing_key=service)
        work_queue = await broker.declare_queue(queues.work)
        for key in queues.routing_keys:
            await work_queue.bind(events, routing_key=key)


async def declare_service_topology(
    broker: RabbitBroker, service: str, delivery_limit: int = DEFAULT_DELIVERY_LIMIT
) -> None:
    """What a service declares with its own user: the exchanges passively (a broker nobody provisioned
    fails here, by name), its own queues and its work queue's bindings. Binding its dead-letter queue
    to `loket.dead` is the provisioning's: reading that exchange would let it bind to others' dead letters."""
    events = await broker.declare_exchange(_passive(EVENTS_EXCHANGE))
    await broker.declare_exchange(_passive(DEAD_LETTER_EXCHANGE))
    if service not in SUBSCRIPTIONS:
        return
    queues = ServiceQueues(service, delivery_limit)
    await broker.declare_queue(queues.dead)
    work_queue = await broker.declare_queue(queues.work)
    for key in queues.routing_keys:
        await work_queue.bind(events, routing_key=key)


def _passive(exchange: RabbitExchange) -> RabbitExchange:
    return RabbitExchange(exchange.name, type=exchange.type, durable=exchange.durable, declare=False)
