"""`loting simulate` and `loting worker`: outcome probabilities over many draws of a market, on local
processes (`adapters/simulation/local.py`) or on any number of workers behind a RabbitMQ work queue
(`adapters/simulation/queue.py`).

Both split the draws into chunks, solve each chunk with `engine.simulation.run_draws` and merge the
exact tallies, so they write the same STATS bytes for the same market and number of draws. STATS is
written only when every draw is counted.
"""

import asyncio
import logging
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from loket.contracts.errors import Invalid, NotFound
from loket.loting.adapters.progress import notice, progress_bar
from loket.loting.adapters.simulation import local
from loket.loting.application import Failed
from loket.loting.application.results import read, write
from loket.loting.domain.engine import Market, load_market
from loket.loting.domain.engine.simulation import Tally, statistics, stats_bytes

log = logging.getLogger("loket.loting.simulation")


def simulate_locally(market_file: Path, draws: int, out: Path, workers: int) -> None:
    check_draws(draws)
    if workers < 1:
        raise Invalid("--workers", f"must be 1 or more, not {workers}")
    data, market = read_market(market_file)
    with progress_bar(draws) as bar:
        try:
            tally = local.simulate(data, market, draws, workers, bar.update)
        except BrokenProcessPool:
            raise Failed("a simulation process died (out of memory?); nothing written") from None
    write_stats(out, market, tally)


def simulate_on_queue(market_file: Path, draws: int, out: Path, broker: str) -> None:
    """The coordinator: the draws are done by whichever `loting worker`s listen on the work queue."""
    from aio_pika.exceptions import AMQPError  # RabbitMQ's client only when it is used

    from loket.loting.adapters.simulation.messages import SimulationFailed
    from loket.loting.adapters.simulation.queue import coordinate, safe_url

    check_draws(draws)
    data, market = read_market(market_file)
    for name in ("aiormq", "aio_pika"):  # their reconnection chatter would break the progress bar
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with progress_bar(draws) as bar:
        try:
            tally = asyncio.run(coordinate(broker, data, market, draws, progress=bar.update, notice=notice))
        except SimulationFailed as exc:
            raise Failed(f"{exc}; nothing written") from None
        except (AMQPError, OSError) as exc:  # unreachable, refused us, or declared otherwise
            raise Failed(f"cannot use the broker at {safe_url(broker)}: {exc}") from None
    write_stats(out, market, tally)


def work_on_chunks(broker: str | None) -> None:
    """A worker: take chunks from the work queue until SIGTERM or Ctrl-C, then finish the one under way."""
    if not broker:
        raise NotFound("no broker: set LOKET_BROKER_URL or give --broker AMQP_URL")
    from aio_pika.exceptions import AMQPError

    from loket.contracts.runtime.logging import configure_logging
    from loket.loting.adapters.simulation.queue import safe_url, work

    configure_logging("loting-worker")

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await work(broker, stop)

    try:
        done = asyncio.run(main())
    except (AMQPError, OSError) as exc:  # unreachable, refused us, or declared otherwise
        raise Failed(f"cannot use the broker at {safe_url(broker)}: {exc}") from None
    log.info("stopped after %d chunks", done)


def read_market(path: Path) -> tuple[bytes, Market]:
    """The market file's bytes and the checked market; `InvalidMarket` for the CLI to name the file."""
    data = read(path, "market")
    return data, load_market(data)


def check_draws(draws: int) -> None:
    if draws < 1:
        raise Invalid("--draws", f"must be 1 or more, not {draws}")


def write_stats(path: Path, market: Market, tally: Tally) -> None:
    write(path, stats_bytes(statistics(market, tally)))
