"""`loket-dossier`: serve, migrate, and `verify-audit`, the check of the audit trail's chain
(`loket.contracts.runtime.audit_chain`)."""

from __future__ import annotations

from loket.contracts.runtime.audit_chain import verify_audit
from loket.contracts.runtime.cli import service_cli
from loket.dossier.app import build
from loket.dossier.persistence.audit import CHAIN

VERIFY_AUDIT = verify_audit(CHAIN)

main = service_cli("loket.dossier", build, {"verify-audit": VERIFY_AUDIT})

if __name__ == "__main__":
    main()
