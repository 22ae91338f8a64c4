"""The backbone's promises, each over the real RabbitMQ and PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import aio_pika
import pytest
from loket_test_support import activation_issued, eventually, read_journal, restart_rabbitmq
from sqlalchemy import func, insert, select, update

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued, PlacedBySchool, RegistrationSubmitted
from loket.contracts.inbox import Delivery
from loket.contracts.outbox import OutboxRelay
from loket.contracts.runtime.cli import service_cli
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.dead_letters import DeadLetter
from loket.contracts.runtime.dead_letters import dead_letters as list_dead_letters
from loket.contracts.topology import SUBSCRIPTIONS


async def count(runtime, table) -> int:  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def dead_letters(broker_url: str, service: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(f"loket.{service}.dead", ensure=True)
        messages = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            messages.append(message)
        return messages


async def test_a_consumer_that_keeps_failing_ends_in_the_dead_letter_queue(make_runtime, broker_url):
    producer, consumer = await make_runtime("identity"), await make_runtime("notificatie")
    attempts: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def always_fails(delivery: Delivery[ActivationIssued]) -> None:
        attempts.append(str(delivery.envelope.event_id))
        raise RuntimeError("the SMTP server is on fire")

    await consumer.start()
    await producer.start()
    async with producer.database.transaction() as session:
        envelope = await producer.outbox.put(session, activation_issued())
    producer.outbox.nudge()

    found = await eventually(lambda: dead_letters(broker_url, "notificatie"), what="a dead letter")
    assert [m.message_id for m in found] == [str(envelope.event_id)]
    assert len(attempts) == 3  # the first delivery and two redeliveries: delivery limit 2
    assert await count(consumer, consumer.consumer.inbox) == 0  # failed work left nothing behind


async def test_the_operator_lists_the_dead_letters_and_once_the_cause_is_mended_replays_them(make_runtime, broker_url):
    producer, consumer = await make_runtime("identity"), await make_runtime("notificatie")
    smtp_on_fire = True

    @consumer.consumer.on(ActivationIssued)
    async def fails_until_mended(delivery: Delivery[ActivationIssued]) -> None:
        if smtp_on_fire:
            raise RuntimeError("the SMTP server is on fire")
        await delivery.session.execute(insert(consumer.effects).values(what=delivery.payload.username))

    await consumer.start()
    await producer.start()
    async with producer.database.transaction() as session:
        first, second = [await producer.outbox.put(session, activation_issued(n)) for n in (1, 2)]
    producer.outbox.nudge()

    async def both_dead() -> list[DeadLetter] | None:
        found = await list_dead_letters(broker_url, "notificatie")
        return found if len(found) == 2 else None

    listed = await eventually(both_dead, what="two dead letters")
    listed_again = await list_dead_letters(broker_url, "notificatie")  # looking takes nothing away
    smtp_on_fire = False
    replayed = await list_dead_letters(broker_url, "notificatie", replay=True)

    async def effects() -> list[str] | None:
        async with consumer.database.transaction() as session:
            found = sorted((await session.execute(select(consumer.effects.c.what))).scalars())
        return found if len(found) == 2 else None

    # the two die one after the other, but dead-lettering is asynchronous: their order is not promised
    assert sorted((letter.event_id, letter.event, letter.reason) for letter in listed) == sorted(
        [
            (str(first.event_id), "identity.activation.issued.v2", "delivery_limit"),
            (str(second.event_id), "identity.activation.issued.v2", "delivery_limit"),
        ]
    )
    assert sorted(map(repr, listed_again)) == sorted(map(repr, listed)) == sorted(map(repr, replayed))
    assert await eventually(effects, what="the replayed events handled") == ["10002", "10003"]
    assert await list_dead_letters(broker_url, "notificatie") == []


async def test_an_unreadable_message_is_dead_lettered_at_once_not_retried(make_runtime, broker_url):
    consumer = await make_runtime("notificatie")
    handled: list[object] = []

    @consumer.consumer.on(ActivationIssued)
    async def handle(delivery: Delivery[ActivationIssued]) -> None:
        handled.append(delivery)

    await consumer.start()
    await consumer.broker.publish(
        b'{"not": "an envelope"}',
        exchange="loket.events",
        routing_key=ActivationIssued.routing_key(),
        message_id="poison-1",
    )

    found = await eventually(lambda: dead_letters(broker_url, "notificatie"), what="the poison message")
    assert [m.message_id for m in found] == ["poison-1"]
    assert found[0].headers["x-death"][0]["count"] == 1  # rejected once, not redelivered
    assert handled == []


async def test_the_same_event_delivered_twice_has_one_effect(make_runtime):
    consumer = await make_runtime("notificatie")

    @consumer.consumer.on(ActivationIssued)
    async def record(delivery: Delivery[ActivationIssued]) -> None:
        await delivery.session.execute(insert(consumer.effects).values(what=delivery.payload.username))

    await consumer.start()
    twice = new_envelope(activation_issued(1), region="demo")
    sentinel = new_envelope(activation_issued(2), region="demo")
    for envelope in (twice, twice, sentinel):  # prefetch 1: handled in this order
        await consumer.broker.publish(
            envelope.model_dump_json().encode(), exchange="loket.events", routing_key=envelope.routing_key, persist=True
        )

    async def effects() -> list[str]:
        async with consumer.database.transaction() as session:
            rows = await session.execute(select(consumer.effects.c.what).order_by(consumer.effects.c.id))
            found = [row.what for row in rows]
        return found if "10003" in found else []

    assert await eventually(effects, what="the sentinel's effect") == ["10002", "10003"]
    assert await count(consumer, consumer.consumer.inbox) == 2


async def test_a_relay_killed_between_commit_and_publish_loses_nothing(make_runtime):
    producer, consumer = await make_runtime("identity"), await make_runtime("notificatie")
    received: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def record(delivery: Delivery[ActivationIssued]) -> None:
        received.append(str(delivery.envelope.event_id))

    await consumer.start()
    async with producer.database.transaction() as session:  # the state change and its event commit
        envelope = await producer.outbox.put(session, activation_issued())

    publishing = asyncio.Event()

    async def hangs_then_dies(routing_key: str, body: bytes, properties: dict) -> None:  # type: ignore[type-arg]
        publishing.set()
        await asyncio.sleep(3600)

    doomed = OutboxRelay(producer.database, producer.outbox.table, hangs_then_dies)
    doomed.start()
    await asyncio.wait_for(publishing.wait(), timeout=10)
    await doomed.stop()  # killed mid-publish
    assert received == []

    await producer.start()  # a fresh process with a fresh relay
    assert await eventually(lambda: asyncio.sleep(0, received), what="the event after restart") == [
        str(envelope.event_id)
    ]


async def test_a_commit_during_a_relay_pass_is_published_without_waiting_for_the_poll(make_runtime):
    """The relay's wake-up is never lost: an event committed (and nudged) while the relay is busy
    publishing another goes out right after that pass, not a poll interval later."""
    producer = await make_runtime("identity")
    async with producer.database.transaction() as session:
        first = await producer.outbox.put(session, activation_issued(1))
    publishing, go_on = asyncio.Event(), asyncio.Event()
    published: list[str] = []

    async def slow_first(routing_key: str, body: bytes, properties: dict) -> None:  # type: ignore[type-arg]
        if properties["message_id"] == str(first.event_id):
            publishing.set()
            await go_on.wait()
        published.append(properties["message_id"])

    relay = OutboxRelay(producer.database, producer.outbox.table, slow_first, poll_interval=3600)
    producer.outbox.attach(relay.wake.set)
    relay.start()
    try:
        await asyncio.wait_for(publishing.wait(), timeout=10)
        async with producer.database.transaction() as session:  # commits while the pass publishes
            second = await producer.outbox.put(session, activation_issued(2))
        producer.outbox.nudge()
        go_on.set()
        await eventually(lambda: asyncio.sleep(0, len(published) == 2), within=30, what="the second event")
    finally:
        await relay.stop()
    assert published == [str(first.event_id), str(second.event_id)]


async def test_an_unroutable_publish_is_not_marked_sent(make_runtime):
    producer = await make_runtime("identity")
    await producer.start()
    table = producer.outbox.table
    envelope = new_envelope(activation_issued(), region="demo")
    body = envelope.model_dump(mode="json") | {"type": "identity.nobody.listens", "version": 1}
    async with producer.database.transaction() as session:
        await session.execute(
            insert(table).values(
                event_id=envelope.event_id,
                routing_key="identity.nobody.listens.v1",
                correlation_id=envelope.correlation_id,
                body=body,
                created_at=envelope.occurred_at,
                attempts=0,
                next_attempt_at=envelope.occurred_at,
            )
        )

    async def tried():  # type: ignore[no-untyped-def]
        async with producer.database.transaction() as session:
            row = (await session.execute(select(table).where(table.c.event_id == envelope.event_id))).one()
        return row if row.attempts >= 2 else None

    row = await eventually(tried, what="two publish attempts")
    assert row.sent_at is None
    assert "NO_ROUTE" in row.last_error
    assert row.next_attempt_at > datetime.now(UTC) - timedelta(seconds=5)  # retried with backoff


async def test_an_event_no_service_consumes_is_published_and_kept_in_the_journal(make_runtime, broker_url):
    producer = await make_runtime("aanmelding")
    await producer.start()
    placed = PlacedBySchool(
        pupil_id=uuid4(), registration_id=uuid4(), school_brin="94AB00", stream="tto", placed_at=datetime.now(UTC)
    )
    assert not [service for service, events in SUBSCRIPTIONS.items() if PlacedBySchool in events]
    async with producer.database.transaction() as session:
        await producer.outbox.put(session, placed)
        submitted = RegistrationSubmitted(
            pupil_id=uuid4(), registration_id=uuid4(), school_brins=("94AA00",), submitted_at=datetime.now(UTC)
        )
        await producer.outbox.put(session, submitted)  # consumed by dossier and notificatie: kept all the same
    producer.outbox.nudge()

    async def sent():  # type: ignore[no-untyped-def]
        async with producer.database.transaction() as session:
            rows = (await session.execute(select(producer.outbox.table))).all()
        return rows if all(row.sent_at is not None for row in rows) else None

    assert [row.last_error for row in await eventually(sent, what="both events published")] == [None, None]
    kept = await asyncio.wait_for(read_journal(broker_url, 2), timeout=20)
    assert [(body["type"], body["payload"].get("school_brin")) for body in kept] == [
        ("aanmelding.registration.placed_by_school", "94AB00"),
        ("aanmelding.registration.submitted", None),
    ]


async def test_several_relays_on_postgresql_never_send_one_row_twice(make_runtime):
    producer = await make_runtime("identity")
    async with producer.database.transaction() as session:
        for n in range(300):
            await producer.outbox.put(session, activation_issued(n))
    published: list[str] = []

    async def record(routing_key: str, body: bytes, properties: dict) -> None:  # type: ignore[type-arg]
        await asyncio.sleep(0.001)  # give the other relays a chance to race
        published.append(properties["message_id"])

    relays = [  # four processes, each with its own connection pool to the same database
        OutboxRelay(Database(producer.database.url), producer.outbox.table, record, batch_size=20) for _ in range(4)
    ]
    while sum(await asyncio.gather(*(relay.relay_once() for relay in relays))):
        pass
    assert len(published) == 300
    assert len(set(published)) == 300
    async with producer.database.transaction() as session:
        unsent = await session.execute(select(func.count()).where(producer.outbox.table.c.sent_at.is_(None)))
        assert unsent.scalar_one() == 0


@pytest.mark.timeout(240)
@pytest.mark.serial  # restarts the RabbitMQ every other test shares: `make test` runs it alone
async def test_publishing_and_consuming_resume_after_rabbitmq_restarts(make_runtime):
    producer, consumer = await make_runtime("identity"), await make_runtime("notificatie")
    received: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def record(delivery: Delivery[ActivationIssued]) -> None:
        received.append(delivery.payload.username)

    await consumer.start()
    await producer.start()

    async def send(n: int) -> None:
        async with producer.database.transaction() as session:
            await producer.outbox.put(session, activation_issued(n))
        producer.outbox.nudge()

    await send(1)
    await eventually(lambda: asyncio.sleep(0, "10002" in received), what="the event before the restart")

    await asyncio.to_thread(restart_rabbitmq)
    await send(2)

    await eventually(lambda: asyncio.sleep(0, "10003" in received), within=60, what="the event after the restart")
    assert await producer.broker_ready() and await consumer.broker_ready()


async def test_outbox_and_inbox_work_on_the_embedded_sqlite_default(tmp_path, broker_url, broker_delivery_limit):
    from sqlalchemy.ext.asyncio import create_async_engine

    from loket.contracts.runtime.service import Runtime
    from loket.contracts.runtime.settings import ServiceSettings
    from loket.contracts.tables import messaging_tables, service_metadata

    def sqlite_runtime(service: str) -> Runtime:
        metadata = service_metadata()
        messaging_tables(metadata)
        settings = ServiceSettings(
            var_dir=tmp_path / service,
            broker_url=broker_url,
            relay_poll_interval=0.2,
            delivery_limit=broker_delivery_limit,
        )
        return Runtime(service, settings, metadata)

    producer, consumer = sqlite_runtime("identity"), sqlite_runtime("notificatie")
    for runtime in (producer, consumer):
        engine = create_async_engine(runtime.database.url)
        async with engine.begin() as connection:
            await connection.run_sync(runtime.consumer.inbox.metadata.create_all)
        await engine.dispose()
    received: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def record(delivery: Delivery[ActivationIssued]) -> None:
        received.append(delivery.payload.username)

    await consumer.start()
    await producer.start()
    try:
        assert producer.database.url.endswith("/identity/identity.db")
        async with producer.database.transaction() as session:
            await producer.outbox.put(session, activation_issued(7))
        producer.outbox.nudge()
        await eventually(lambda: asyncio.sleep(0, received == ["10008"]), what="the event over SQLite")
        assert await count(consumer, consumer.consumer.inbox) == 1
    finally:
        await producer.stop()
        await consumer.stop()


async def test_sent_events_are_forgotten_after_the_retention_unsent_ones_never(make_runtime):
    producer = await make_runtime("identity")
    table = producer.outbox.table
    async with producer.database.transaction() as session:
        old_sent, fresh_sent, old_unsent = [await producer.outbox.put(session, activation_issued(n)) for n in range(3)]
        long_ago = datetime.now(UTC) - timedelta(days=2)
        await session.execute(update(table).where(table.c.event_id == old_sent.event_id).values(sent_at=long_ago))
        await session.execute(
            update(table).where(table.c.event_id == fresh_sent.event_id).values(sent_at=datetime.now(UTC))
        )
        await session.execute(update(table).where(table.c.event_id == old_unsent.event_id).values(created_at=long_ago))
    assert await producer.relay.forget_sent() == 1
    async with producer.database.transaction() as session:
        left = {row.event_id for row in await session.execute(select(table.c.event_id))}
    assert left == {fresh_sent.event_id, old_unsent.event_id}


def test_the_dead_letters_command_prints_each_without_its_payload(broker_url, capsys):
    async def one_dead_letter() -> None:  # into the dead-letter queue the vhost was provisioned with
        connection = await aio_pika.connect(broker_url)
        async with connection:
            channel = await connection.channel()
            envelope = new_envelope(activation_issued(5), region="demo")
            message = aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.event_id))
            await channel.default_exchange.publish(message, routing_key="loket.notificatie.dead")

    asyncio.run(one_dead_letter())
    runtime = SimpleNamespace(settings=SimpleNamespace(broker_url=broker_url, log_level="INFO", log_format="text"))
    main = service_cli("loket.notificatie", lambda: (runtime, None))  # type: ignore[arg-type,return-value]

    with pytest.raises(SystemExit) as ended:
        main(["dead-letters"])

    printed = capsys.readouterr()
    assert ended.value.code == 0
    assert printed.out.count("\n") == 1 and "1 dead letter(s) of notificatie" in printed.err
    assert "ouder5@example.org" not in printed.out + printed.err  # the payload stays in the queue
