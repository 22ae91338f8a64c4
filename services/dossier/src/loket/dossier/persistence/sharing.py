"""Queries over what the schools share about a pupil: notes, the secondary schools that received its
registration, and the secondary schools' questions with their answers."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, or_
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.paging import Paging, page_statement
from loket.dossier.domain.sharing import NoteVisibility
from loket.dossier.persistence.models import InformationRequest, Pupil, PupilNote, SecondaryAccess


class SharedRecords:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: SQLModel) -> None:
        self.session.add(row)

    async def registered_with(
        self, school: str, pupils: list[UUID] | None = None
    ) -> Sequence[tuple[Pupil, datetime | None]]:
        """The pupils whose standing registration went to this secondary school, by name, with when it
        reached the school (a pupil once per registration)."""
        query = (
            select(Pupil, SecondaryAccess.submitted_at)
            .join(SecondaryAccess, col(SecondaryAccess.pupil_id) == col(Pupil.id))
            .where(SecondaryAccess.school_brin == school, col(SecondaryAccess.withdrawn_at).is_(None))
            .order_by(col(Pupil.family_name), col(Pupil.given_name), col(Pupil.id))
        )
        if pupils is not None:
            query = query.where(col(Pupil.id).in_(pupils))
        return (await self.session.exec(query)).all()

    async def accesses(self, registration_id: UUID) -> dict[str, SecondaryAccess]:
        """One registration's secondary schools, by BRIN."""
        query = select(SecondaryAccess).where(SecondaryAccess.registration_id == registration_id)
        return {row.school_brin: row for row in (await self.session.exec(query)).all()}

    async def notes(self, pupil_id: UUID, *, for_secondary: bool) -> Sequence[PupilNote]:
        """The pupil's notes, oldest first; `for_secondary`: only those meant for the secondary school."""
        query = select(PupilNote).where(PupilNote.pupil_id == pupil_id)
        if for_secondary:
            query = query.where(PupilNote.visibility == NoteVisibility.SECONDARY_SCHOOL)
        return (await self.session.exec(query.order_by(col(PupilNote.created_at), col(PupilNote.id)))).all()

    async def question(self, request_id: UUID) -> InformationRequest | None:
        """One question, locked (on PostgreSQL) while it is answered."""
        locking = (await self.session.connection()).dialect.name == "postgresql"
        return await self.session.get(InformationRequest, request_id, with_for_update=locking)

    async def questions(self, pupil_id: UUID, asked_by: str | None = None) -> Sequence[InformationRequest]:
        """The questions about the pupil, oldest first; `asked_by`: only those of that secondary school."""
        query = select(InformationRequest).where(InformationRequest.pupil_id == pupil_id)
        if asked_by is not None:
            query = query.where(InformationRequest.from_school_brin == asked_by)
        order = (col(InformationRequest.asked_at), col(InformationRequest.id))
        return (await self.session.exec(query.order_by(*order))).all()

    async def school_questions(
        self, school: str, seen: list[UUID], *, open_only: bool, paging: Paging | None
    ) -> tuple[list[tuple[InformationRequest, Pupil]], int]:
        """A school's questions with their pupils: those asked of it about the pupils `seen`, and its own
        about pupils still registered with it; one page of them, and how many there are in all."""
        registered = (
            select(SecondaryAccess.pupil_id)
            .where(SecondaryAccess.school_brin == school, col(SecondaryAccess.withdrawn_at).is_(None))
            .scalar_subquery()
        )
        query = (
            select(InformationRequest, Pupil)
            .join(Pupil, col(Pupil.id) == col(InformationRequest.pupil_id))
            .where(
                or_(
                    and_(
                        col(InformationRequest.to_school_brin) == school,
                        col(InformationRequest.pupil_id).in_(seen),
                    ),
                    and_(
                        col(InformationRequest.from_school_brin) == school,
                        col(InformationRequest.pupil_id).in_(registered),
                    ),
                )
            )
            .order_by(col(InformationRequest.asked_at), col(InformationRequest.id))
        )
        if open_only:
            query = query.where(col(InformationRequest.answered_at).is_(None))
        columns = {"asked_at": col(InformationRequest.asked_at), "answered_at": col(InformationRequest.answered_at)}
        page, counted = page_statement(query, paging or Paging(), columns, "asked_at")  # type: ignore[arg-type]
        found = [(asked, pupil) for asked, pupil in (await self.session.exec(page)).all()]  # type: ignore[call-overload]
        total = len(found)
        if paging is not None and paging.limit is not None:
            total = (await self.session.execute(counted)).scalar_one()
        return found, total
