"""`loket-portaal serve`: the portal on LOKET_HOST:LOKET_PORTAAL_PORT. It has no database to migrate;
`--migrate` is accepted so that every service starts the same way."""

import argparse

from loket.contracts.runtime.build_info import add_version
from loket.contracts.runtime.logging import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="loket-portaal")
    add_version(parser, "loket-portaal")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the portal's pages")
    serve.add_argument("--migrate", action="store_true", help="accepted for symmetry: the portal has no database")
    parser.parse_args(argv)
    configure_logging("portaal")

    import uvicorn

    from loket.portaal.app import build
    from loket.portaal.settings import PortaalSettings

    settings = PortaalSettings()
    # no `Server` header: it tells anyone which software answers (as the services, runtime/cli.py)
    uvicorn.run(
        build(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
