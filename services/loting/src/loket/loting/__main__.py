"""`loting`: solve, verify, simulate and explain lotteries from market files (`docs/loting.md`).

Meant for operators, notaries and anyone re-running a published lottery: every failure is one line
that says what is wrong, never a traceback, and nothing is written unless the whole run succeeded.
"""

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from loket.loting.domain.engine import InvalidMarket, load_market, result_bytes, solve
from loket.loting.domain.engine.compare import differences
from loket.loting.domain.engine.explain import ResultMismatch, explain


class Refused(Exception):
    """A clear, expected failure: printed as one line, exit code 2 (1 is a verify mismatch)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.command(args)
    except InvalidMarket as exc:
        print(f"loting: invalid market {args.market}: {exc}", file=sys.stderr)
        return 2
    except Refused as exc:
        print(f"loting: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loting: interrupted, nothing written", file=sys.stderr)
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loting", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    solve_ = commands.add_parser("solve", help="run the lottery of a market and write its result file")
    solve_.add_argument("market", type=Path, metavar="MARKET")
    solve_.add_argument("result", type=Path, metavar="RESULT")
    solve_.set_defaults(command=_solve)

    verify = commands.add_parser("verify", help="re-run a market and compare with a result file byte for byte")
    verify.add_argument("market", type=Path, metavar="MARKET")
    verify.add_argument("result", type=Path, metavar="RESULT")
    verify.set_defaults(command=_verify)

    simulate = commands.add_parser("simulate", help="estimate outcome probabilities over many draws")
    simulate.add_argument("market", type=Path, metavar="MARKET")
    simulate.add_argument("--draws", type=int, required=True, metavar="N")
    simulate.add_argument("--out", type=Path, required=True, metavar="STATS")
    simulate.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    simulate.add_argument("--broker", metavar="AMQP_URL", help="hand the draws to `loting worker`s over RabbitMQ")
    simulate.set_defaults(command=_simulate)

    worker = commands.add_parser("worker", help="do simulation chunks from RabbitMQ until stopped")
    worker.add_argument(
        "--broker",
        metavar="AMQP_URL",
        default=os.environ.get("LOKET_BROKER_URL"),
        help="e.g. amqp://guest:guest@127.0.0.1:5672/; default: LOKET_BROKER_URL, which keeps the password out of "
        "the process list",
    )
    worker.set_defaults(command=_worker)

    explain = commands.add_parser("explain", help="say why a student got their outcome")
    explain.add_argument("market", type=Path, metavar="MARKET")
    explain.add_argument("result", type=Path, metavar="RESULT")
    explain.add_argument("student", metavar="STUDENT")
    explain.add_argument("--lang", choices=("nl", "en"), default="nl")
    explain.set_defaults(command=_explain)
    return parser


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Refused(f"cannot read {what} {path}: {exc.strerror}") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a reader never sees half a result."""
    directory = path.parent if str(path.parent) else Path()
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{path.name}.", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError as exc:
        raise Refused(f"cannot write {path}: {exc.strerror}") from None


def _solve(args: argparse.Namespace) -> int:
    market = load_market(_read(args.market, "market"))
    write_atomically(args.result, result_bytes(solve(market)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    market = load_market(_read(args.market, "market"))
    published = _read(args.result, "result")
    derived = result_bytes(solve(market))
    if derived == published:
        print(f"OK: {args.result} is the result of {args.market}, byte for byte")
        return 0
    report = differences(derived, published)
    print(f"DIFFERENT: {args.result} is not the result of {args.market}", file=sys.stderr)
    for line in report:
        print(f"  {line}", file=sys.stderr)
    return 1


def _simulate(args: argparse.Namespace) -> int:
    if args.broker is not None:
        from loket.loting.simulation.queue import coordinate_command

        return coordinate_command(args)
    from loket.loting.simulation.local import simulate_command

    return simulate_command(args)


def _worker(args: argparse.Namespace) -> int:
    from loket.loting.simulation.queue import worker_command

    if not args.broker:
        raise Refused("no broker: set LOKET_BROKER_URL or give --broker AMQP_URL")
    return worker_command(args)


def _explain(args: argparse.Namespace) -> int:
    market = load_market(_read(args.market, "market"))
    published = _read(args.result, "result")
    try:
        print(explain(market, published, args.student, args.lang))
    except KeyError:
        raise Refused(f"student {args.student} is not in {args.market}") from None
    except ResultMismatch as exc:
        raise Refused(f"{args.result}: {exc}") from None
    return 0


def run() -> None:
    sys.exit(main())
