"""What a region's Prometheus scrapes from each service's metrics port (`metrics.py`), over HTTP, while
real events pass between two runtimes over RabbitMQ and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import aio_pika
import httpx
from fastapi import APIRouter
from loket_test_support import Samples, activation_issued, eventually, metric, scrape
from sqlalchemy import update

from loket.contracts.events import ActivationIssued
from loket.contracts.inbox import Delivery
from loket.contracts.runtime.service import Runtime
from loket.contracts.topology import EVENTS_EXCHANGE


async def scraped(runtime: Runtime) -> Samples:
    assert runtime.metrics.port is not None, "the runtime serves no metrics"
    async with httpx.AsyncClient() as client:
        return await scrape(client, f"http://127.0.0.1:{runtime.metrics.port}/metrics")


async def test_the_counters_and_the_outbox_gauges_move_as_an_event_passes(make_runtime):
    producer = await make_runtime("identity", metrics_port=0)
    consumer = await make_runtime("notificatie", metrics_port=0)

    @consumer.consumer.on(ActivationIssued)
    async def handled(delivery: Delivery[ActivationIssued]) -> None:
        pass

    pupils = APIRouter()

    @pupils.get("/pupils/{pupil_id}")
    async def pupil(pupil_id: str) -> dict[str, str]:
        return {"id": pupil_id}

    app = consumer.http_app(title="probe", description="probe", routers=[pupils])
    await consumer.start()
    await producer.start()

    outbox = producer.outbox.table
    async with producer.database.transaction() as session:  # an event the broker refused, waiting to be retried
        envelope = await producer.outbox.put(session, activation_issued())
        await session.execute(
            update(outbox)
            .where(outbox.c.event_id == envelope.event_id)
            .values(
                created_at=datetime.now(UTC) - timedelta(minutes=10),
                next_attempt_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    waiting = await scraped(producer)
    assert metric(waiting, "loket_outbox_waiting", service="identity") == 1
    assert 600 <= metric(waiting, "loket_outbox_oldest_waiting_seconds", service="identity") < 700
    assert metric(waiting, "faststream_published_messages_total", app_name="identity") == 0

    async with producer.database.transaction() as session:  # its retry is due
        await session.execute(update(outbox).values(next_attempt_at=datetime.now(UTC)))
    producer.outbox.nudge()

    async def handled_by_the_consumer() -> Samples | None:
        samples = await scraped(consumer)
        return samples if metric(samples, "loket_inbox_rows", service="notificatie") == 1 else None

    after = await eventually(handled_by_the_consumer, what="the consumer's inbox to count the event")
    assert metric(after, "faststream_received_processed_messages_total", app_name="notificatie", status="acked") == 1
    sent = await scraped(producer)
    assert metric(sent, "loket_outbox_waiting", service="identity") == 0
    assert metric(sent, "loket_outbox_oldest_waiting_seconds", service="identity") == 0
    assert metric(sent, "faststream_published_messages_total", app_name="identity", status="success") == 1
    assert metric(sent, "loket_build_info", service="identity") == 1

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
        assert (await client.get("/pupils/0b7c0f4e")).status_code == 200
        assert (await client.get("/pupils/5d1e9a22")).status_code == 200
    requests = await scraped(consumer)
    by_route = {"handler": "/pupils/{pupil_id}", "method": "GET", "status": "200"}
    assert metric(requests, "http_requests_total", **by_route) == 2  # by route: the ids are in no label
    assert not any("0b7c0f4e" in dict(labels).get("handler", "") for _, labels in requests)


async def test_a_dead_letter_shows_in_the_dead_letter_gauge(make_runtime, broker_url):
    consumer = await make_runtime("notificatie", metrics_port=0)

    @consumer.consumer.on(ActivationIssued)
    async def handled(delivery: Delivery[ActivationIssued]) -> None:
        pass

    await consumer.start()
    dead = {"service": "notificatie", "queue": "loket.notificatie.dead"}
    assert metric(await scraped(consumer), "loket_dead_letters", **dead) == 0

    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE.name)
        await exchange.publish(aio_pika.Message(b"not an envelope"), routing_key="identity.activation.issued.v2")

    async def counted() -> Samples | None:
        samples = await scraped(consumer)
        return samples if metric(samples, "loket_dead_letters", **dead) == 1 else None

    samples = await eventually(counted, what="the dead letter in the gauge")
    assert (
        metric(samples, "faststream_received_processed_messages_total", app_name="notificatie", status="rejected") == 1
    )
