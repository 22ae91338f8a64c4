"""Meekijken: a board contact (or the region's administrator) looks along as a user of a school it
reaches. Its own session ends and a session as the user begins; every answer in it says who looks along,
and logging out ends it (`sessions.py`)."""

from __future__ import annotations

from uuid import UUID

from loket.contracts.errors import Conflict
from loket.contracts.tokens import Claims, Role
from loket.identity.application.access import acting, to_look_along_as
from loket.identity.application.context import Context
from loket.identity.application.sessions import SessionKeeper, Started
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.sessions import SessionEnd
from loket.identity.persistence.sessions import Sessions


class Impersonation:
    def __init__(self, context: Context, keeper: SessionKeeper) -> None:
        self.context = context
        self.keeper = keeper

    async def start(self, claims: Claims, account_id: UUID, client_address: str | None) -> Started:
        async with self.context.work() as uow:
            contact = await acting(uow, claims, roles=(Role.BOARD_CONTACT, Role.REGION_ADMIN))
            target = await to_look_along_as(uow, contact, account_id)
            if target.state != AccountState.ACTIVATED:
                raise Conflict("this user cannot log in (not activated, or deactivated)")
            if claims.sid is not None:
                sessions = Sessions(uow.session)
                own = await sessions.get(UUID(claims.sid))
                if own is not None and own.ended_at is None:
                    own.ended_at, own.end_reason = uow.now, SessionEnd.IMPERSONATION_STARTED
                    sessions.add(own)
            started = await self.keeper.start(uow, target, client_address=client_address, impersonator=contact)
            uow.audit.record(
                AuditAction.IMPERSONATION_STARTED,
                Outcome.SUCCEEDED,
                actor_id=contact.id,
                actor_role=contact.role,
                subject_id=target.id,
                session_id=started.session_id,
                client_address=client_address,
                school=target.school_brin,
                role=str(target.role),
            )
            return started
