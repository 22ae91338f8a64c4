"""The region's audit log, read a page at a time: by the region's administrator only, and not while
looking along as someone else."""

from __future__ import annotations

from loket.contracts.errors import Forbidden
from loket.contracts.runtime.paging import Paging
from loket.contracts.tokens import Claims, Role
from loket.identity.application.context import Context
from loket.identity.persistence.models import AuditEvent
from loket.identity.persistence.region_audit import audit_page


class RegionAudit:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def page(
        self, claims: Claims, paging: Paging, action: str | None = None
    ) -> tuple[list[AuditEvent], dict[str, str], int]:
        """One page of entries, the newest first; the e-mail address of each staff account they name; and
        how many entries there are in all."""
        if claims.role != Role.REGION_ADMIN or claims.act is not None:
            raise Forbidden("only the region's administrator reads the audit log")
        if paging.sort not in (None, "id", "-id"):
            paging.key(["id"], "id")  # refuses the unknown sort as every list does
        async with self.context.work() as uow:
            return await audit_page(uow.session, paging, action)
