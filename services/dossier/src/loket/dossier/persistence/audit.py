"""Writing to and reading from the append-only audit trail (and a log line, with ids only), each
entry chained to the one before it when the unit of work commits (`loket.contracts.runtime.audit_chain`)."""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.audit_chain import AuditChain
from loket.dossier.domain.access import Caller
from loket.dossier.domain.audit import CHAINED_FIELDS, AuditAction
from loket.dossier.persistence.models import AuditEntry

log = logging.getLogger("loket.dossier.audit")

CHAIN = AuditChain(AuditEntry, CHAINED_FIELDS)


class AuditTrail:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        CHAIN.watch(session)

    def record(self, caller: Caller, action: AuditAction, pupil_id: UUID | None = None, **detail: Any) -> None:
        entry = AuditEntry(
            occurred_at=datetime.now(UTC),
            action=action,
            pupil_id=pupil_id,
            actor=caller.subject,
            actor_role=caller.role.value,
            impersonator=caller.acting,
            detail=detail,
        )
        CHAIN.record(self.session, entry)
        log.info("audit %s pupil=%s actor=%s role=%s", action, pupil_id, caller.subject, caller.role.value)

    async def about(self, pupil_id: UUID) -> Sequence[AuditEntry]:
        await CHAIN.appended(self.session)
        query = select(AuditEntry).where(AuditEntry.pupil_id == pupil_id).order_by(col(AuditEntry.id))
        return (await self.session.exec(query)).all()
