"""The draws of `loting simulate MARKET --draws N --out STATS [--workers W]` over local processes.

The draws are cut into chunks of consecutive draws. Each worker process reads the market once (the
pool's initializer) and then solves chunk after chunk; the parent merges the tallies as they come
back, whatever their order, and STATS is written only when every draw is counted.
"""

import math
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from loket.loting.domain.engine import Market, load_market
from loket.loting.domain.engine.simulation import Tally, chunks, merge, run_draws

CHUNKS_PER_WORKER = 16  # small enough to balance the processes' finish, big enough to be cheap
MAX_CHUNK = 100

_market: Market | None = None  # a worker process's market, read once by `_start_worker`


def chunk_size(draws: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(draws / (workers * CHUNKS_PER_WORKER))))


def simulate(data: bytes, market: Market, draws: int, workers: int, progress: Callable[[int], object]) -> Tally:
    """Draws `0:draws` of the market whose file is `data`, over `workers` processes. A process that
    dies (out of memory) raises `BrokenProcessPool`."""
    ranges = chunks(0, draws, chunk_size(draws, workers))
    if workers == 1 or len(ranges) == 1:
        tallies = []
        for first, last in ranges:
            tallies.append(run_draws(market, first, last))
            progress(last - first)
        return merge(tallies)

    merged: Tally | None = None
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(ranges)),
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(data,),
    )
    try:
        futures = [pool.submit(_run, first, last) for first, last in ranges]
        for future in as_completed(futures):
            tally = future.result()
            merged = tally if merged is None else merge([merged, tally])
            progress(tally.draws)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C: only the chunks under way finish
    assert merged is not None
    return merged


def _context() -> multiprocessing.context.BaseContext:
    """A fork server that has imported the engine: workers start in milliseconds, and not by forking a
    parent that runs threads (the progress bar's)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["loket.loting.domain.engine.simulation", "loket.loting.adapters.simulation.local"])
    return context


def _start_worker(data: bytes) -> None:
    global _market
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _market = load_market(data)


def _run(first: int, last: int) -> Tally:
    assert _market is not None, "the worker's initializer did not run"
    return run_draws(_market, first, last)
