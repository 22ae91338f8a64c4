"""loting's two commands.

`loket-loting` (and `python -m loket.loting`) runs the service: `migrate | serve [--migrate] | openapi |
dead-letters`.

`loting`: solve, verify, simulate and explain lotteries from market files (`docs/loting.md`). Meant
for operators, notaries and anyone re-running a published lottery: every failure is one line that says
what is wrong, never a traceback, and nothing is written unless the whole run succeeded. It imports
neither the service nor its web framework, so that it (and each simulation process) starts at once.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from loket.contracts.errors import Invalid, Problem
from loket.contracts.runtime.build_info import add_version
from loket.loting.application import Failed, results
from loket.loting.domain.engine import InvalidMarket


def main() -> None:
    """`loket-loting`: the service."""
    from loket.contracts.runtime.cli import service_cli
    from loket.loting.app import build

    service_cli("loket.loting", build)()


def loting(argv: Sequence[str] | None = None) -> int:
    """`loting`: the exit status is 0, 1 when `verify` finds a difference, 2 when refused or failed."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.command(args)
    except InvalidMarket as exc:
        print(f"loting: invalid market {args.market}: {exc}", file=sys.stderr)
        return 2
    except Invalid as exc:  # a bad option: `--draws must be 1 or more, not 0`
        print(f"loting: {'; '.join(f'{problem.where} {problem.what}' for problem in exc.problems)}", file=sys.stderr)
        return 2
    except (Problem, Failed) as exc:
        print(f"loting: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loting: interrupted, nothing written", file=sys.stderr)
        return 130
    return code


def run() -> None:
    sys.exit(loting())


def _parser() -> argparse.ArgumentParser:
    description = "`loting`: solve, verify, simulate and explain lotteries from market files (`docs/loting.md`)."
    parser = argparse.ArgumentParser(prog="loting", description=description)
    add_version(parser, "loket-loting")
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


def _solve(args: argparse.Namespace) -> int:
    results.solve_market(args.market, args.result)
    return 0


def _verify(args: argparse.Namespace) -> int:
    report = results.verify(args.market, args.result)
    if report is None:
        print(f"OK: {args.result} is the result of {args.market}, byte for byte")
        return 0
    print(f"DIFFERENT: {args.result} is not the result of {args.market}", file=sys.stderr)
    for line in report:
        print(f"  {line}", file=sys.stderr)
    return 1


def _simulate(args: argparse.Namespace) -> int:
    from loket.loting.application import simulation  # the process pool and the progress bar only here

    if args.broker is not None:
        simulation.simulate_on_queue(args.market, args.draws, args.out, args.broker)
    else:
        simulation.simulate_locally(args.market, args.draws, args.out, args.workers)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from loket.loting.application import simulation

    simulation.work_on_chunks(args.broker)
    return 0


def _explain(args: argparse.Namespace) -> int:
    print(results.explain_outcome(args.market, args.result, args.student, args.lang))
    return 0


if __name__ == "__main__":
    main()
