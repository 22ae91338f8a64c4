"""The region's audit log as one list: a page of `audit_event`, the newest first, with the staff members
it names by e-mail address (one more query for the page's accounts, never the whole table)."""

from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.paging import Paging
from loket.identity.persistence.models import AuditEvent, StaffAccount


async def audit_page(
    session: AsyncSession, paging: Paging, action: str | None = None
) -> tuple[list[AuditEvent], dict[str, str], int]:
    """One page of the audit log (optionally of one action), the e-mail address of each staff account it
    names, and how many entries there are in all."""
    query = select(AuditEvent)
    counted = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(col(AuditEvent.action) == action)
        counted = counted.where(col(AuditEvent.action) == action)
    newest_first = not paging.sort or paging.descending
    query = query.order_by(col(AuditEvent.id).desc() if newest_first else col(AuditEvent.id).asc())
    if paging.limit is not None:
        query = query.limit(paging.limit).offset(paging.offset)
    entries = list((await session.execute(query)).scalars().all())
    total = int((await session.execute(counted)).scalar_one())
    ids = set()
    for entry in entries:
        for named in (entry.actor_id, entry.subject_id):
            try:
                ids.add(UUID(str(named)))
            except ValueError:
                continue
    named = select(col(StaffAccount.id), col(StaffAccount.email)).where(col(StaffAccount.id).in_(ids))
    accounts = (await session.execute(named)).all() if ids else []
    return entries, {str(account_id): email for account_id, email in accounts}, total
