"""The command line every service has: `loket-<service> migrate | serve [--migrate] | openapi |
dead-letters [--replay]`, plus any commands of the service's own (`Command`), such as identity's
`invite-admin`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loket.contracts.runtime.build_info import add_version
from loket.contracts.runtime.logging import configure_logging
from loket.contracts.runtime.migrations import upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI

    from loket.contracts.runtime.service import Runtime
    from loket.contracts.runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Command:
    """A service's own subcommand: its help, its arguments, and what it runs on the built service.
    `run` returns the exit status."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Runtime, FastAPI], int]


def service_cli(
    package: str, build: Callable[[], tuple[Runtime, FastAPI]], own: Mapping[str, Command] | None = None
) -> Callable[[], None]:
    own = own or {}

    def main(argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"loket-{package.rsplit('.', 1)[-1]}")
        add_version(parser, f"loket-{package.rsplit('.', 1)[-1]}")
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("migrate", help="bring the database to the newest schema")
        serve = commands.add_parser("serve", help="run the HTTP API and the event consumers")
        serve.add_argument("--migrate", action="store_true", help="migrate the database first")
        commands.add_parser("openapi", help="print the OpenAPI document")
        dead = commands.add_parser("dead-letters", help="list the messages that ended in the dead-letter queue")
        dead.add_argument("--replay", action="store_true", help="hand each back to the work queue (cause mended)")
        dead.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
        for name, command in own.items():
            command.arguments(commands.add_parser(name, help=command.help))
        args = parser.parse_args(argv)

        runtime, app = build()
        settings = runtime.settings
        configure_logging(package.rsplit(".", 1)[-1], settings.log_level, settings.log_format)
        if args.command in own:
            status = own[args.command].run(args, runtime, app)
            if status:
                sys.exit(status)
            return
        if args.command == "dead-letters":
            sys.exit(_dead_letters(package.rsplit(".", 1)[-1], runtime, args.replay, args.limit))
        if args.command == "openapi":
            json.dump(app.openapi(), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
            return
        if args.command == "migrate" or args.migrate:
            upgrade(package, runtime.database.url)
            logging.getLogger(package).info("database migrated")
        if args.command == "serve":
            import uvicorn

            uvicorn.run(app, **serve_options(runtime.settings))

    return main


def serve_options(settings: ServiceSettings) -> dict[str, Any]:
    """How `serve` runs uvicorn: our logging, and no `Server` header (it tells anyone who asks which
    software answers; `runtime/security.py` has the headers every answer does carry)."""
    return {"host": settings.host, "port": settings.port, "log_config": None, "server_header": False}


def _dead_letters(service: str, runtime: Runtime, replay: bool, limit: int) -> int:
    import asyncio

    from loket.contracts.runtime.dead_letters import dead_letters

    found = asyncio.run(dead_letters(runtime.settings.broker_url, service, replay=replay, limit=limit))
    for letter in found:
        print(f"{letter.event_id}\t{letter.event}\t{letter.reason}\t{letter.deaths}x")
    done = "handed back to the work queue" if replay else "in the dead-letter queue"
    print(f"{len(found)} dead letter(s) of {service} {done}", file=sys.stderr)
    return 0
