"""The command line every service has: `loket-<service> migrate | serve [--migrate] | openapi`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from loket.contracts.runtime.logging import configure_logging
from loket.contracts.runtime.migrations import upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI

    from loket.contracts.runtime.service import Runtime


def service_cli(package: str, build: Callable[[], tuple[Runtime, FastAPI]]) -> Callable[[], None]:
    def main(argv: list[str] | None = None) -> None:
        parser = argparse.ArgumentParser(prog=f"loket-{package.rsplit('.', 1)[-1]}")
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("migrate", help="bring the database to the newest schema")
        serve = commands.add_parser("serve", help="run the HTTP API and the event consumers")
        serve.add_argument("--migrate", action="store_true", help="migrate the database first")
        commands.add_parser("openapi", help="print the OpenAPI document")
        args = parser.parse_args(argv)

        configure_logging()
        runtime, app = build()
        if args.command == "openapi":
            json.dump(app.openapi(), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
            return
        if args.command == "migrate" or args.migrate:
            upgrade(package, runtime.database.url)
            logging.getLogger(package).info("database migrated")
        if args.command == "serve":
            import uvicorn

            uvicorn.run(app, host=runtime.settings.host, port=runtime.settings.port, log_config=None)

    return main
