"""`loket-identity`: serve, migrate, `invite-admin EMAIL`, the first region administrator
(`application/bootstrap.py`), and `verify-audit`, the check of the audit log's chain
(`loket.contracts.runtime.audit_chain`)."""

from __future__ import annotations

import argparse
import asyncio

from fastapi import FastAPI

from loket.contracts.errors import Conflict, Invalid
from loket.contracts.runtime.audit_chain import verify_audit
from loket.contracts.runtime.cli import Command, service_cli
from loket.contracts.runtime.service import Runtime
from loket.identity.app import build
from loket.identity.application.bootstrap import invite_region_admin
from loket.identity.persistence.audit import CHAIN


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the administrator's e-mail address, also the username")
    parser.add_argument("--language", choices=("nl", "en"), default="nl", help="the language of the mail")


def _invite_admin(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
    async def invite() -> int:
        try:
            account = await invite_region_admin(app.state.administration, args.email, args.language)
        except (Conflict, Invalid) as refused:
            print(f"not invited: {refused}")
            return 1
        finally:
            await runtime.database.dispose()
        print(
            f"invited {account.email} as region administrator of {runtime.settings.region} (account {account.id}); "
            "the invitation mail goes out once identity runs (`loket-identity serve`)"
        )
        return 0

    return asyncio.run(invite())


INVITE_ADMIN = Command(
    help="invite a region administrator by e-mail (the first one)", arguments=_arguments, run=_invite_admin
)


VERIFY_AUDIT = verify_audit(CHAIN)

main = service_cli("loket.identity", build, {"invite-admin": INVITE_ADMIN, "verify-audit": VERIFY_AUDIT})

if __name__ == "__main__":
    main()
