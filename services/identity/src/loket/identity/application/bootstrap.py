"""`loket-identity invite-admin EMAIL`: the first region administrator, invited from the command line.

Nobody can invite anyone before an administrator exists, so an operator with access to identity's
database and settings invites the first one. The account and its invitation are written with the
`identity.invitation.issued.v1` event in one transaction; the running identity's outbox relay
publishes it (or the next one to start), and notificatie mails the link. The audit log names the
command line as the one who invited.
"""

from __future__ import annotations

import argparse
import asyncio

from fastapi import FastAPI

from loket.contracts.runtime.cli import Command
from loket.contracts.runtime.service import Runtime
from loket.contracts.tokens import Role
from loket.identity.domain.staff import Assignment, InvalidAssignment
from loket.identity.staff import Conflict, NewStaff, StaffAdministration


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the administrator's e-mail address, also the username")
    parser.add_argument("--language", choices=("nl", "en"), default="nl", help="the language of the mail")


def _run(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
    administration: StaffAdministration = app.state.administration
    new = NewStaff(email=args.email, assignment=Assignment.of(Role.REGION_ADMIN), language=args.language)

    async def invite() -> int:
        try:
            account = await administration.invite(None, new, client_address=None)
        except (Conflict, InvalidAssignment) as refused:
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


INVITE_ADMIN = Command(help="invite a region administrator by e-mail (the first one)", arguments=_arguments, run=_run)
