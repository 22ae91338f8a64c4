"""Simulations over the real RabbitMQ: `loting worker` processes compete for chunks, a coordinator
merges exactly one tally per chunk, and a chunk no worker can do ends in the dead-letter queue."""

import asyncio
import concurrent.futures
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aio_pika
import pytest

from loket.contracts import topology
from loket.loting.__main__ import loting as main
from loket.loting.adapters.simulation.messages import (
    FAILED_TYPE,
    TALLY_TYPE,
    BadChunk,
    Chunk,
    Collector,
    SimulationFailed,
    pack_market,
    unpack_market,
)
from loket.loting.adapters.simulation.queue import (
    CHUNKS_QUEUE,
    DEAD_LETTER_EXCHANGE,
    DEAD_QUEUE,
    DEFAULT_DELIVERY_LIMIT,
    chunk_message,
    coordinate,
    declare_chunk_queues,
    declare_results_queue,
)
from loket.loting.domain.engine import load_market
from loket.loting.domain.engine.simulation import chunks, merge, run_draws, tally_bytes

VECTORS = Path(__file__).parent / "vectors"
REPOSITORY = Path(__file__).resolve().parents[3]
MARKET = VECTORS / "11-first-choice-medium.market.json"
DRAWS = 40  # one draw per chunk: 40 chunks to share out


def loting_script() -> Path:
    script = Path(sys.executable).parent / "loting"
    return script if script.exists() else script.with_suffix(".exe")


@contextmanager
def workers(broker_url: str, count: int, logs: Path) -> Iterator[list[Path]]:
    """`count` real `loting worker` processes, ready to take chunks; stopped with SIGTERM afterwards."""
    paths = [logs / f"worker{i}.log" for i in range(count)]
    processes = []
    for number, path in enumerate(paths):
        with path.open("wb") as log:
            if number % 2:  # as deployed: the broker from the environment, no password in the argv
                env = {**os.environ, "LOKET_BROKER_URL": broker_url}
                processes.append(subprocess.Popen([loting_script(), "worker"], stderr=log, env=env))
            else:
                processes.append(subprocess.Popen([loting_script(), "worker", "--broker", broker_url], stderr=log))
    try:
        deadline = time.monotonic() + 30
        while not all("waiting for chunks" in path.read_text() for path in paths):
            assert all(p.poll() is None for p in processes), [path.read_text() for path in paths]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        yield paths
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
    assert codes == [0] * count, [path.read_text() for path in paths]


def chunks_done(log: Path) -> int:
    return sum(": draws " in line for line in log.read_text().splitlines())


def simulate(*argv: str) -> None:
    assert main(["simulate", str(MARKET), "--draws", str(DRAWS), *argv]) == 0


def test_one_worker_and_two_workers_write_the_same_stats_as_local_processes(broker_url: str, tmp_path: Path) -> None:
    local, one, two = tmp_path / "local.json", tmp_path / "one.json", tmp_path / "two.json"
    simulate("--out", str(local), "--workers", "2")

    with workers(broker_url, 1, tmp_path) as (log,):
        simulate("--out", str(one), "--broker", broker_url)
    assert chunks_done(log) == DRAWS

    (tmp_path / "two").mkdir()
    with workers(broker_url, 2, tmp_path / "two") as logs:
        simulate("--out", str(two), "--broker", broker_url)
    assert sum(chunks_done(log) for log in logs) == DRAWS
    assert all(chunks_done(log) > 0 for log in logs)  # they competed for the chunks

    assert one.read_bytes() == two.read_bytes() == local.read_bytes()


async def take_all(broker_url: str, queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        found = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            found.append(message)
        return found


async def eventually_taken(broker_url: str, queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    deadline = time.monotonic() + 20
    while not (found := await take_all(broker_url, queue_name)):
        assert time.monotonic() < deadline, f"nothing arrived in {queue_name}"
        await asyncio.sleep(0.1)
    return found


async def test_a_chunk_whose_market_does_not_match_its_hash_is_dead_lettered(broker_url: str, tmp_path: Path) -> None:
    data = MARKET.read_bytes()
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await declare_chunk_queues(channel)
        results = await declare_results_queue(channel, "poison")
        wrong = hashlib.sha256(b"another market").hexdigest()
        poison = Chunk("poison", 0, 0, 5, wrong, results.name)
        with workers(broker_url, 1, tmp_path) as (log,):
            await channel.default_exchange.publish(chunk_message(poison, pack_market(data)), routing_key=CHUNKS_QUEUE)
            (dead,) = await eventually_taken(broker_url, DEAD_QUEUE)
            (notice,) = await eventually_taken(broker_url, results.name)

    assert dead.message_id == "poison/0"
    assert dead.headers["x-death"][0]["count"] == 1  # rejected once, not retried
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    assert notice.type == FAILED_TYPE and b"SHA-256" in notice.body
    assert "dead-lettered" in log.read_text()


def test_the_collector_takes_one_tally_per_chunk_and_ignores_a_second() -> None:
    market = load_market(MARKET.read_bytes())
    ranges = chunks(0, 6, 2)
    collector = Collector("sim", market.sha256, ranges)
    tallies = [run_draws(market, first, last) for first, last in ranges]

    def headers(index: int, simulation: str = "sim") -> dict[str, object]:
        return {"simulation": simulation, "chunk": index}

    assert collector.add(headers(2), TALLY_TYPE, tally_bytes(tallies[2])) == 2
    assert collector.add(headers(2), TALLY_TYPE, tally_bytes(tallies[2])) == 0  # redelivered: ignored
    assert collector.add(headers(0, "another"), TALLY_TYPE, tally_bytes(tallies[0])) == 0  # not ours
    assert collector.add(headers(0), TALLY_TYPE, tally_bytes(tallies[0])) == 2
    assert not collector.done
    assert collector.add(headers(1), TALLY_TYPE, tally_bytes(tallies[1])) == 2
    assert collector.done
    assert collector.tally().same_as(merge(tallies)) and collector.tally().same_as(run_draws(market, 0, 6))


def test_the_collector_stops_at_a_failed_chunk_or_a_tally_of_the_wrong_draws() -> None:
    market = load_market(MARKET.read_bytes())
    collector = Collector("sim", market.sha256, chunks(0, 4, 2))

    with pytest.raises(SimulationFailed, match=r"chunk 1 .* failed on a worker: bad hash"):
        collector.add({"simulation": "sim", "chunk": 1}, FAILED_TYPE, b"bad hash")
    with pytest.raises(SimulationFailed, match="tally is wrong"):
        collector.add({"simulation": "sim", "chunk": 0}, TALLY_TYPE, tally_bytes(run_draws(market, 2, 4)))


def test_a_chunk_is_checked_before_it_is_trusted() -> None:
    data = MARKET.read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    assert unpack_market(pack_market(data), sha) == data
    with pytest.raises(BadChunk, match="SHA-256"):
        unpack_market(pack_market(data + b" "), sha)
    with pytest.raises(BadChunk, match="zlib"):
        unpack_market(data, sha)
    with pytest.raises(BadChunk, match="not a chunk"):
        Chunk.from_headers({"simulation": "s", "chunk": "0", "first": 0, "last": 1, "market-sha256": sha}, "q")
    with pytest.raises(BadChunk, match="no draws"):
        Chunk.from_headers({"simulation": "s", "chunk": 0, "first": 3, "last": 3, "market-sha256": sha}, "q")


def synthetic_market(students: int, programs: int) -> bytes:
    spec = importlib.util.spec_from_file_location("synthetic", REPOSITORY / "benchmarks" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    return json.dumps(synthetic.synthetic_market(students, programs, 8)).encode()


def test_a_worker_killed_mid_chunk_loses_nothing_and_counts_nothing_twice(broker_url: str, tmp_path: Path) -> None:
    market = tmp_path / "market.json"
    market.write_bytes(synthetic_market(3000, 40))
    local, queued = tmp_path / "local.json", tmp_path / "queued.json"
    argv = ["simulate", str(market), "--draws", "300"]
    assert main([*argv, "--out", str(local)]) == 0

    coordinator = concurrent.futures.ThreadPoolExecutor(1).submit(
        main, [*argv, "--out", str(queued), "--broker", broker_url]
    )
    doomed_log = tmp_path / "doomed.log"
    with doomed_log.open("wb") as log:
        doomed = subprocess.Popen([loting_script(), "worker", "--broker", broker_url], stderr=log)
    try:
        deadline = time.monotonic() + 30
        while chunks_done(doomed_log) < 2:  # then, with prefetch 1 and chunks waiting, it holds one unacked
            assert doomed.poll() is None and time.monotonic() < deadline, doomed_log.read_text()
            time.sleep(0.01)
    finally:
        doomed.kill()  # SIGKILL: no goodbye; the chunk it held goes back to the queue
        doomed.wait()
    assert not coordinator.done()
    with workers(broker_url, 1, tmp_path):
        assert coordinator.result(timeout=120) == 0

    assert queued.read_bytes() == local.read_bytes()


async def test_a_chunk_that_fails_on_every_delivery_ends_the_simulation(broker_url: str) -> None:
    data = MARKET.read_bytes()
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1)
        queue = await declare_chunk_queues(channel)
        deliveries: list[str] = []

        async def crashes(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            deliveries.append(str(message.message_id))
            await message.nack(requeue=True)  # what a worker does when solving raises

        await queue.consume(crashes)
        with pytest.raises(SimulationFailed, match=r"chunk 0 \(draws 0:3\) went to the dead-letter queue"):
            await asyncio.wait_for(coordinate(broker_url, data, load_market(data), 3, chunk_draws=3), timeout=30)

    assert len(deliveries) == 1 + DEFAULT_DELIVERY_LIMIT  # the first delivery and the redeliveries allowed
    (dead,) = await take_all(broker_url, DEAD_QUEUE)
    assert dead.headers["x-death"][0]["reason"] == "delivery_limit"


def test_the_chunk_queue_dead_letters_like_every_event_queue() -> None:
    assert topology.DEAD_LETTER_EXCHANGE.name == DEAD_LETTER_EXCHANGE
    assert DEFAULT_DELIVERY_LIMIT == topology.DEFAULT_DELIVERY_LIMIT


def test_a_worker_without_a_broker_says_so_and_stops():
    env = {key: value for key, value in os.environ.items() if key != "LOKET_BROKER_URL"}
    done = subprocess.run([loting_script(), "worker"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "set LOKET_BROKER_URL or give --broker" in done.stderr
