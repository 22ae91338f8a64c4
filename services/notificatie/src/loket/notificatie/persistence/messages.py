"""Queries on messages: the ones about a school's pupils or one pupil, and the one an event asked for."""

from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.notificatie.domain.messages import MessageState
from loket.notificatie.persistence.models import Message, Pupil


class Messages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: Message) -> Message:
        """Record a message, with its id, in this transaction."""
        self.session.add(message)
        await self.session.flush()
        return message

    async def asked_by(self, event_id: UUID) -> Message | None:
        """The message an event asked for, its row locked until the transaction ends (SQLite has one writer
        at a time and ignores the lock)."""
        query = select(Message).where(Message.requested_by == event_id).with_for_update()
        return (await self.session.exec(query)).one_or_none()

    async def about_school(self, brin: str, state: MessageState | None, limit: int) -> list[Message]:
        query = select(Message).join(Pupil, col(Message.pupil_id) == col(Pupil.id)).where(Pupil.school_brin == brin)
        if state is not None:
            query = query.where(Message.state == state)
        query = query.order_by(col(Message.created_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())

    async def about_pupil(self, pupil_id: UUID) -> list[Message]:
        query = select(Message).where(Message.pupil_id == pupil_id).order_by(col(Message.created_at).desc())
        return list((await self.session.exec(query)).all())

    async def count_by_state(self) -> dict[MessageState, int]:
        """How many messages are queued, sent and failed (for /metrics)."""
        query = select(Message.state, func.count()).group_by(col(Message.state))
        found = {MessageState(state): count for state, count in (await self.session.exec(query)).all()}
        return {state: found.get(state, 0) for state in MessageState}

    async def retries_waiting(self) -> int:
        """Queued messages that failed for a while already: each waits for its retry."""
        query = select(func.count()).select_from(Message).where(Message.state == MessageState.QUEUED)
        return (await self.session.exec(query.where(col(Message.attempts) > 0))).one()
