"""The region's audit log over HTTP: every security event of the region (logins, invitations, role
changes, deactivations, meekijken, …), the newest first, a page at a time. A region administrator only,
and not while looking along as someone else."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from loket.contracts.runtime.paging import Paged, tell_total
from loket.contracts.tokens import Claims, TokenVerifier
from loket.identity.application.region_audit import RegionAudit
from loket.identity.domain.audit import AuditAction
from loket.identity.http.caller import NO_STORE, caller


class AuditEventOut(BaseModel):
    id: int
    occurred_at: datetime
    action: str
    outcome: str
    actor_id: str | None
    actor_role: str | None
    actor_email: str | None = Field(description="The acting staff member's e-mail address, if a staff account.")
    subject_id: str | None
    subject_email: str | None = Field(description="The staff account the event concerns, if one.")
    detail: dict[str, Any]


def audit_router(audit: RegionAudit, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["staff"], responses={401: {}, 403: {}})
    Caller = Annotated[Claims, Depends(caller(verifier))]

    @router.get("/audit", response_model=list[AuditEventOut])
    async def region_audit(
        claims: Caller,
        paging: Paged,
        response: Response,
        action: Annotated[AuditAction | None, Query(description="Only this action.")] = None,
    ) -> list[AuditEventOut]:
        """The region's audit log, the newest first (`sort=id` for the oldest first); `X-Total-Count` says
        how many entries there are."""
        entries, emails, total = await audit.page(claims, paging, action.value if action else None)
        tell_total(response, total)
        response.headers.update(NO_STORE)
        return [
            AuditEventOut(
                id=entry.id or 0,
                occurred_at=entry.occurred_at,
                action=entry.action,
                outcome=entry.outcome,
                actor_id=entry.actor_id,
                actor_role=entry.actor_role,
                actor_email=emails.get(entry.actor_id or ""),
                subject_id=entry.subject_id,
                subject_email=emails.get(entry.subject_id or ""),
                detail=entry.detail,
            )
            for entry in entries
        ]

    return router
