import argparse
import asyncio
import sys
from pathlib import Path

from fastapi import FastAPI

from loket.aanmelding.adapters.procedure_file import ProcedureInvalid
from loket.aanmelding.app import build
from loket.aanmelding.application.announcements import Announcements
from loket.aanmelding.application.procedure import check_procedure_file
from loket.contracts.runtime.cli import Command, service_cli
from loket.contracts.runtime.service import Runtime


def _file_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a procedure file (TOML)")


def _check(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
    try:
        summary = check_procedure_file(Path(args.file))
    except ProcedureInvalid as invalid:
        print(invalid, file=sys.stderr)
        return 2
    print(
        f"{args.file}: {summary.name}: {summary.schools} schools, {summary.programs} programs, "
        f"{summary.rounds} rounds; valid"
    )
    return 0


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _announce(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
    announcements: Announcements = app.state.announcer

    async def run() -> list[str]:
        try:
            return await announcements.announce_due()
        finally:
            await runtime.database.dispose()

    for line in asyncio.run(run()) or ["nothing due"]:
        print(line)
    return 0


ANNOUNCE = Command(
    help="announce the moments that came: reminders to parents who are not done, a round's publication "
    "(run it every few minutes; each moment is announced once)",
    arguments=_no_arguments,
    run=_announce,
)
CHECK_PROCEDURE = Command(
    help="check a region's procedure file and say what is wrong and where", arguments=_file_argument, run=_check
)
cli = service_cli("loket.aanmelding", build, {"check-procedure": CHECK_PROCEDURE, "announce": ANNOUNCE})


def main() -> None:
    try:
        cli()
    except ProcedureInvalid as invalid:  # the configured procedure: its problems, not a traceback
        sys.exit(f"loket-aanmelding cannot start: the procedure is not valid\n{invalid}")


if __name__ == "__main__":
    main()
