"""The secondary schools' notes on the registrations they received."""

from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import RegistrationNote


class NoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, note: RegistrationNote) -> None:
        self.session.add(note)

    async def of(self, registration_id: UUID, school_brin: str) -> list[RegistrationNote]:
        """The school's notes on the registration, oldest first."""
        query = (
            select(RegistrationNote)
            .where(RegistrationNote.registration_id == registration_id, RegistrationNote.school_brin == school_brin)
            .order_by(col(RegistrationNote.created_at), col(RegistrationNote.id))
        )
        return list((await self.session.exec(query)).all())
