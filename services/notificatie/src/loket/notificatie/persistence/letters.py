"""Queries on the placement letters schools prepared for a moment: waiting, or done with their message."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.notificatie.persistence.models import Message, PreparedLetter


class Letters:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace_waiting(
        self, school_brin: str, pupils: Iterable[UUID], letters: Sequence[PreparedLetter]
    ) -> None:
        """Keep `letters`, in place of the school's letters for these pupils that still wait."""
        waiting = select(PreparedLetter).where(
            PreparedLetter.school_brin == school_brin,
            col(PreparedLetter.pupil_id).in_(list(pupils)),
            col(PreparedLetter.message_id).is_(None),
        )
        for replaced in (await self.session.exec(waiting)).all():
            await self.session.delete(replaced)
        self.session.add_all(letters)

    async def of_school(self, school_brin: str) -> list[tuple[PreparedLetter, Message | None]]:
        """The school's letters, each with its message once mailed or failed, in the order they go out."""
        query = (
            select(PreparedLetter, Message)
            .outerjoin(Message, col(Message.id) == col(PreparedLetter.message_id))
            .where(PreparedLetter.school_brin == school_brin)
            .order_by(col(PreparedLetter.send_at), col(PreparedLetter.case_reference), col(PreparedLetter.id))
        )
        return [(letter, message) for letter, message in (await self.session.exec(query)).all()]

    async def locked(self, letter_id: UUID) -> PreparedLetter | None:
        return await self.session.get(PreparedLetter, letter_id, with_for_update=True)

    async def remove(self, letter: PreparedLetter) -> None:
        await self.session.delete(letter)

    async def next_due(self, now: datetime) -> PreparedLetter | None:
        """One letter whose moment (and next attempt) has come, locked; one another process holds is skipped,
        so two processes never mail the same letter."""
        query = (
            select(PreparedLetter)
            .where(
                col(PreparedLetter.message_id).is_(None),
                col(PreparedLetter.send_at) <= now,
                (col(PreparedLetter.next_attempt_at).is_(None)) | (col(PreparedLetter.next_attempt_at) <= now),
            )
            .order_by(col(PreparedLetter.send_at), col(PreparedLetter.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.exec(query)).one_or_none()

    async def save(self, letter: PreparedLetter) -> None:
        self.session.add(letter)

    async def done(self, letter: PreparedLetter, message: Message) -> None:
        """The letter was mailed or failed: its message tells how; its fields and PDF (the child's name) go."""
        self.session.add(message)
        await self.session.flush()
        letter.message_id, letter.fields, letter.pdf, letter.next_attempt_at = message.id, None, None, None
        self.session.add(letter)
