"""`loting simulate`: outcome probabilities over many draws of a market, on local processes
(`local`) or on any number of workers behind a RabbitMQ work queue (`queue`).

Both split the draws into chunks, solve each chunk with `engine.simulation.run_draws` and merge the
exact tallies, so they write the same STATS bytes for the same market and number of draws.
"""

from pathlib import Path

from loket.loting.domain.engine import Market, load_market
from loket.loting.domain.engine.simulation import Tally, statistics, stats_bytes


def read_market(path: Path) -> tuple[bytes, Market]:
    """The market file's bytes and the checked market; a refusal names the file."""
    from loket.loting.cli import Refused

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused(f"cannot read market {path}: {exc.strerror}") from None
    return data, load_market(data)  # InvalidMarket: the CLI names the file and the rule


def check_draws(draws: int) -> int:
    from loket.loting.cli import Refused

    if draws < 1:
        raise Refused(f"--draws must be 1 or more, not {draws}")
    return draws


def write_stats(path: Path, market: Market, tally: Tally) -> None:
    from loket.loting.cli import write_atomically

    write_atomically(path, stats_bytes(statistics(market, tally)))
