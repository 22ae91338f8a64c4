"""`loket-dossier`: serve, migrate, and `verify-audit`, the check of the audit trail's chain
(`application/audit_chain.py`)."""

from __future__ import annotations

import argparse
import asyncio

from fastapi import FastAPI

from loket.contracts.runtime.cli import Command, service_cli
from loket.contracts.runtime.service import Runtime
from loket.dossier.app import build
from loket.dossier.application.audit_chain import AuditChain


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _verify_audit(args: argparse.Namespace, runtime: Runtime, app: FastAPI) -> int:
    async def verify() -> int:
        try:
            report = await AuditChain(runtime.work).verify()
        finally:
            await runtime.database.dispose()
        if report.broken is None:
            print(f"audit chain intact: {_entries(report.intact)} (last hash {report.head})")
            return 0
        broken = report.broken
        print(
            f"audit chain broken at entry {broken.id} ({broken.occurred_at.isoformat()}): {broken.reason}; "
            f"the {_entries(report.intact)} before it {'is' if report.intact == 1 else 'are'} intact"
        )
        return 1

    return asyncio.run(verify())


VERIFY_AUDIT = Command(
    help="check that no audit entry was altered, deleted or moved (exit 1 naming the first that was)",
    arguments=lambda parser: None,
    run=_verify_audit,
)

main = service_cli("loket.dossier", build, {"verify-audit": VERIFY_AUDIT})

if __name__ == "__main__":
    main()
