"""Writing to the append-only audit log (and a line in the service log, with ids only), each entry
chained to the one before it when the unit of work commits (`loket.contracts.runtime.audit_chain`), and
reading it back."""

import logging
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.audit_chain import AuditChain
from loket.identity.domain.audit import CHAINED_FIELDS, AuditAction, Outcome
from loket.identity.persistence.models import AuditEvent

log = logging.getLogger("loket.identity.audit")

CHAIN = AuditChain(AuditEvent, CHAINED_FIELDS)


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        CHAIN.watch(session)

    def record(
        self,
        action: AuditAction,
        outcome: Outcome,
        *,
        actor_id: UUID | str | None = None,
        actor_role: str | None = None,
        subject_id: UUID | str | None = None,
        session_id: UUID | None = None,
        client_address: str | None = None,
        **detail: Any,
    ) -> AuditEvent:
        entry = AuditEvent(
            occurred_at=datetime.now(UTC),
            action=action,
            outcome=outcome,
            actor_id=None if actor_id is None else str(actor_id),
            actor_role=actor_role,
            subject_id=None if subject_id is None else str(subject_id),
            session_id=session_id,
            client_address=client_address,
            detail=detail,
        )
        CHAIN.record(self.session, entry)
        log.info(
            "audit %s %s actor=%s subject=%s session=%s address=%s",
            action,
            outcome,
            entry.actor_id,
            entry.subject_id,
            session_id,
            client_address,
        )
        return entry

    def own_step(
        self,
        action: AuditAction,
        account_id: UUID,
        client_address: str | None,
        *,
        role: str | None = None,
        session_id: UUID | None = None,
        **detail: Any,
    ) -> AuditEvent:
        """A step an account took on itself, and succeeded (a login, an activation, a second factor)."""
        return self.record(
            action,
            Outcome.SUCCEEDED,
            actor_id=account_id,
            actor_role=role,
            subject_id=account_id,
            session_id=session_id,
            client_address=client_address,
            **detail,
        )

    async def about(self, subject_id: UUID | str) -> list[AuditEvent]:
        await CHAIN.appended(self.session)
        query = (
            select(AuditEvent)
            .where((AuditEvent.subject_id == str(subject_id)) | (AuditEvent.actor_id == str(subject_id)))
            .order_by(col(AuditEvent.id))
        )
        return list((await self.session.exec(query)).all())
