"""A simulation over RabbitMQ: a coordinator and any number of stateless workers.

    loting simulate MARKET --draws N --out STATS --broker amqp://…   # the coordinator
    loting worker --broker amqp://…                                  # a worker, until stopped

The coordinator cuts draws `0:N` into chunks and publishes one message per chunk to the durable quorum
queue `loket.loting.simulation.chunks` (messages in `messages.py`). Workers compete for it with
prefetch 1: a worker takes a chunk, checks the market's SHA-256, solves the draws, publishes the tally
to the simulation's own durable results queue, and only then acks the chunk. A worker that dies
mid-chunk leaves it unacked, so the broker hands it to another worker; after the delivery limit it
goes to `loket.loting.simulation.chunks.dead` (through the dead-letter exchange `loket.dead`, like
every service's event queue). A chunk that can never be done (its market does not match its hash, or
is not a valid market) is dead-lettered at once, and the coordinator is told so it can stop.

Workers keep nothing between chunks but the last market they read (a cache keyed by its hash), so
KEDA or anyone else may start and stop them on the chunk queue's length; a worker stopped by SIGTERM
or Ctrl-C finishes and acks the chunk it holds first.

The coordinator takes exactly one tally per chunk index and merges them into STATS. A chunk done
twice (redelivered after a worker lost its connection) gives a second, identical tally that it
ignores. Its results queue is also bound to the dead-letter exchange, so it sees every chunk that is
dead-lettered and stops, writing nothing, when one of them is its own. When it is done, or gives up,
it deletes the results queue; a worker then drops the chunks of that simulation still queued (it
checks that the results queue exists before solving) and any tally it can no longer deliver. A
results queue left behind by a coordinator that was killed expires after half an hour unused.
"""

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection
from aio_pika.exceptions import ChannelNotFoundEntity, PublishError
from yarl import URL

from loket.loting.adapters.simulation.messages import (
    CHUNK_TYPE,
    FAILED_TYPE,
    MARKET_CONTENT_TYPE,
    MARKET_ENCODING,
    TALLY_TYPE,
    BadChunk,
    Chunk,
    Collector,
    pack_market,
    unpack_market,
)
from loket.loting.domain.engine import InvalidMarket, Market, load_market
from loket.loting.domain.engine.simulation import Tally, chunks, run_draws, tally_bytes

# the same as loket.contracts.topology's (a test checks), without importing FastStream: 0.5 s per process
DEAD_LETTER_EXCHANGE = "loket.dead"
DEFAULT_DELIVERY_LIMIT = 5

CHUNKS_QUEUE = "loket.loting.simulation.chunks"
DEAD_QUEUE = f"{CHUNKS_QUEUE}.dead"
DEAD_ROUTING_KEY = "loting.simulation.chunks"
RESULTS_PREFIX = "loket.loting.simulation.results."
RESULTS_EXPIRE_MS = 30 * 60 * 1000
CHUNKS_PER_SIMULATION = 64
MAX_CHUNK = 100
RESULTS_PREFETCH = 16

log = logging.getLogger("loket.loting.simulation")


# --- topology ---------------------------------------------------------------------------------------


async def declare_chunk_queues(channel: AbstractChannel, delivery_limit: int = DEFAULT_DELIVERY_LIMIT) -> AbstractQueue:
    """The work queue and its dead-letter queue (idempotent; coordinators and workers both declare)."""
    # provisioned with the broker (loket.contracts.broker_access): the workers' user may not declare it
    dead_exchange = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, passive=True)
    dead = await channel.declare_queue(DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    await dead.bind(dead_exchange, routing_key=DEAD_ROUTING_KEY)
    return await channel.declare_queue(
        CHUNKS_QUEUE,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": DEAD_ROUTING_KEY,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )


async def declare_results_queue(channel: AbstractChannel, simulation: str) -> AbstractQueue:
    return await channel.declare_queue(
        RESULTS_PREFIX + simulation,
        durable=True,
        arguments={"x-queue-type": "quorum", "x-expires": RESULTS_EXPIRE_MS},
    )


def chunk_message(chunk: Chunk, packed_market: bytes) -> aio_pika.Message:
    return aio_pika.Message(
        packed_market,
        headers=chunk.headers,
        message_id=chunk.message_id,
        type=CHUNK_TYPE,
        reply_to=chunk.results,
        content_type=MARKET_CONTENT_TYPE,
        content_encoding=MARKET_ENCODING,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        app_id="loket.loting",
    )


def queue_chunk_size(draws: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(draws / CHUNKS_PER_SIMULATION)))


def safe_url(url: str) -> str:
    """The broker's address without its credentials, for messages."""
    try:
        return str(URL(url).with_user(None))
    except (TypeError, ValueError):
        return "the broker"


# --- the coordinator --------------------------------------------------------------------------------


async def coordinate(
    broker: str,
    data: bytes,
    market: Market,
    draws: int,
    *,
    chunk_draws: int | None = None,
    progress: Callable[[int], object] = lambda n: None,
    notice: Callable[[str], object] = lambda text: None,
) -> Tally:
    """Draws `0:draws` of the market whose file is `data`, done by whichever workers are listening."""
    simulation = uuid.uuid4().hex
    ranges = chunks(0, draws, chunk_draws or queue_chunk_size(draws))
    collector = Collector(simulation, market.sha256, ranges)
    connection = await aio_pika.connect_robust(broker)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=RESULTS_PREFETCH)
        work = await declare_chunk_queues(channel)
        results = await declare_results_queue(channel, simulation)
        try:
            # a copy of every dead-lettered chunk, so that one of ours that no worker could do ends the wait
            await results.bind(DEAD_LETTER_EXCHANGE, routing_key=DEAD_ROUTING_KEY)
            if not work.declaration_result.consumer_count:
                notice(f"no worker is listening on {CHUNKS_QUEUE} yet; waiting (start one: loting worker --broker …)")
            packed = pack_market(data)
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(
                        chunk_message(Chunk(simulation, i, first, last, market.sha256, results.name), packed),
                        routing_key=CHUNKS_QUEUE,
                    )
                    for i, (first, last) in enumerate(ranges)
                )
            )
            async with results.iterator() as messages:
                async for message in messages:
                    added = collector.add(dict(message.headers or {}), message.type, message.body)
                    await message.ack()
                    progress(added)
                    if collector.done:
                        break
        finally:
            try:  # late tallies (a chunk done twice, or the rest after a failure) are dropped by workers
                await results.delete(if_unused=False, if_empty=False)
            except Exception:  # the connection is gone; the queue expires on its own
                log.warning("could not delete %s", results.name, exc_info=True)
    return collector.tally()


# --- the worker -------------------------------------------------------------------------------------


class Worker:
    """Handles one chunk message at a time (the channel's prefetch is 1)."""

    def __init__(self, connection: AbstractRobustConnection, channel: AbstractChannel) -> None:
        self.connection = connection
        self.channel = channel
        self.busy = asyncio.Lock()
        self._market: Market | None = None  # the last market read, by far the likeliest next one
        self.chunks_done = 0

    async def handle(self, message: AbstractIncomingMessage) -> None:
        async with self.busy:
            try:
                await self._handle(message)
            except Exception:
                log.exception("chunk %s failed; it goes back to the queue", message.message_id)
                if not message.processed:
                    await message.nack(requeue=True)  # the delivery limit stops a chunk that always fails

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            chunk = Chunk.from_headers(dict(message.headers or {}), message.reply_to)
        except BadChunk as exc:
            log.error("message %s is dead-lettered: %s", message.message_id, exc)
            await message.reject(requeue=False)
            return
        if not await self._wanted(chunk):
            log.info("chunk %s is dropped: its simulation is over", chunk.message_id)
            await message.ack()
            return
        try:
            market = await self._market_of(chunk, message.body)
        except (BadChunk, InvalidMarket) as exc:
            log.error("chunk %s is dead-lettered: %s", chunk.message_id, exc)
            await self._answer(chunk, FAILED_TYPE, str(exc).encode())
            await message.reject(requeue=False)
            return
        started = time.perf_counter()
        tally = await asyncio.to_thread(run_draws, market, chunk.first, chunk.last)
        body = await asyncio.to_thread(tally_bytes, tally)
        delivered = await self._answer(chunk, TALLY_TYPE, body)
        await message.ack()
        self.chunks_done += 1
        log.info(
            "chunk %s: draws %d:%d in %.2f s%s",
            chunk.message_id,
            chunk.first,
            chunk.last,
            time.perf_counter() - started,
            "" if delivered else " (dropped: the simulation is over)",
        )

    async def _wanted(self, chunk: Chunk) -> bool:
        """Whether the chunk's results queue still exists: a coordinator that was stopped leaves its
        chunks behind, and they are not worth solving. Asked on a channel of its own, because a passive
        declaration of a missing queue closes the channel it is made on."""
        probe = await self.connection.channel(publisher_confirms=False)
        try:
            await probe.declare_queue(chunk.results, passive=True)
        except ChannelNotFoundEntity:
            return False
        finally:
            if not probe.is_closed:
                await probe.close()
        return True

    async def _market_of(self, chunk: Chunk, body: bytes) -> Market:
        data = unpack_market(body, chunk.market_sha256)  # checked on every chunk, cached or not
        if self._market is None or self._market.sha256 != chunk.market_sha256:
            self._market = await asyncio.to_thread(load_market, data)
        return self._market

    async def _answer(self, chunk: Chunk, message_type: str, body: bytes) -> bool:
        """Publish to the chunk's results queue; False when it no longer exists."""
        message = aio_pika.Message(
            body,
            headers=chunk.headers,
            message_id=chunk.message_id,
            type=message_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            app_id="loket.loting",
        )
        try:
            await self.channel.default_exchange.publish(message, routing_key=chunk.results)
        except PublishError:  # unroutable: the coordinator finished or gave up
            return False
        return True


async def work(broker: str, stop: asyncio.Event, ready: Callable[[], object] = lambda: None) -> int:
    """Take chunks until `stop` is set; then finish the chunk under way. Returns the chunks done."""
    connection = await aio_pika.connect_robust(broker)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=1)
        queue = await declare_chunk_queues(channel)
        worker = Worker(connection, channel)
        tag = await queue.consume(worker.handle)
        log.info("waiting for chunks on %s at %s", CHUNKS_QUEUE, safe_url(broker))
        ready()
        await stop.wait()
        await queue.cancel(tag)
        async with worker.busy:  # the chunk under way is finished and acked
            pass
    return worker.chunks_done
