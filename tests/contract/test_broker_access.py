"""Each service's broker user (loket.contracts.broker_access) on a vhost provisioned as production's is: it
binds and publishes what the catalog and SUBSCRIPTIONS give it and is refused the rest, so no service can
bind a queue to `#` or to another service's events and read activation links or parents' addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from aiormq.exceptions import ChannelAccessRefused
from broker_support import WORKER, as_user

from loket.contracts.broker_access import JOURNAL_READER, publishes, subscribes
from loket.contracts.events import CATALOG, SERVICES
from loket.contracts.topology import EVENTS_EXCHANGE, JOURNAL


@asynccontextmanager
async def channel_as(broker_url: str, role: str) -> AsyncIterator[aio_pika.abc.AbstractConnection]:
    connection = await aio_pika.connect(as_user(broker_url, role))
    async with connection:
        yield connection


async def bind(connection: aio_pika.abc.AbstractConnection, queue_name: str, key: str) -> None:
    """Bind the service's own `queue_name` to loket.events with `key`, on a fresh channel (a refusal
    closes the channel it happened on)."""
    channel: AbstractChannel = await connection.channel()
    queue = await channel.declare_queue(queue_name, durable=False, auto_delete=True)
    await queue.bind(await channel.get_exchange(EVENTS_EXCHANGE.name), routing_key=key)
    await channel.close()


async def publish(connection: aio_pika.abc.AbstractConnection, key: str) -> None:
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(EVENTS_EXCHANGE.name)
    await exchange.publish(aio_pika.Message(b"{}"), routing_key=key)
    await channel.close()


def others(service: str) -> list[str]:
    """Events of the catalog this service does not subscribe to (another's, or nobody's)."""
    return sorted(set(CATALOG) - set(subscribes(service)))


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_binds_only_the_events_it_subscribes_to(broker_url: str, service: str) -> None:
    async with channel_as(broker_url, service) as connection:
        probe = f"loket.{service}.probe"  # its own name: it may declare it
        for key in subscribes(service):
            await bind(connection, probe, key)
        for key in ["#", "*.*.*.*", f"{service}.#", *others(service)]:
            with pytest.raises(ChannelAccessRefused):
                await bind(connection, probe, key)


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_publishes_only_the_events_it_produces(broker_url: str, service: str) -> None:
    theirs = [key for key, event in CATALOG.items() if event.producer != service]
    async with channel_as(broker_url, service) as connection:
        await publish(connection, publishes(service)[0])
        for key in [theirs[0], theirs[-1], "#"]:
            with pytest.raises(ChannelAccessRefused):
                await publish(connection, key)


async def test_a_service_cannot_touch_another_services_queues_or_the_journal(broker_url: str) -> None:
    async with channel_as(broker_url, "identity") as connection:
        for name in ["loket.notificatie.probe", "loket.probe"]:
            with pytest.raises(ChannelAccessRefused):
                await (await connection.channel()).declare_queue(name, durable=False, auto_delete=True)
        for name in ["loket.notificatie", "loket.notificatie.dead"]:
            with pytest.raises(ChannelAccessRefused):
                await take_one(connection, name)
        with pytest.raises(ChannelAccessRefused):
            await read_journal(connection)
        with pytest.raises(ChannelAccessRefused):  # nor may it redeclare (or delete) the shared exchange
            await (await connection.channel()).declare_exchange(EVENTS_EXCHANGE.name, aio_pika.ExchangeType.TOPIC)


async def take_one(connection: aio_pika.abc.AbstractConnection, queue_name: str) -> None:
    queue = await (await connection.channel()).get_queue(queue_name, ensure=True)  # passive: no right needed
    await queue.get(fail=False)


async def read_journal(connection: aio_pika.abc.AbstractConnection) -> None:
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=10)
    journal = await channel.get_queue(JOURNAL.name, ensure=True)
    await journal.consume(ignore, arguments={"x-stream-offset": "first"})


async def ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    pass


async def test_the_journal_reader_reads_the_journal_and_binds_nothing(broker_url: str) -> None:
    async with channel_as(broker_url, JOURNAL_READER) as connection:
        await read_journal(connection)
        with pytest.raises(ChannelAccessRefused):
            await bind(connection, "loket.journal.probe", "#")
        with pytest.raises(ChannelAccessRefused):
            await take_one(connection, "loket.identity")


async def test_the_simulation_workers_reach_no_events(broker_url: str) -> None:
    async with channel_as(broker_url, WORKER) as connection:
        with pytest.raises(ChannelAccessRefused):
            await bind(connection, "loket.loting.simulation.probe", "#")
        with pytest.raises(ChannelAccessRefused):
            await publish(connection, publishes("loting")[0])
        with pytest.raises(ChannelAccessRefused):
            await take_one(connection, "loket.loting")
