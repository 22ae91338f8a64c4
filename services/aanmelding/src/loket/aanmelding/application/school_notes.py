"""A secondary school's notes on the registrations it received (notities): its own staff write them and
whoever reads the registration along with the school reads them; the parents, the primary school and
any other secondary school do not. Notes are kept per school: a pupil the lottery places elsewhere
does not take the first school's notes along."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select

from loket.aanmelding.application.secondary_school import Schools
from loket.aanmelding.domain.registration import Problem, Refused
from loket.aanmelding.persistence.models import RegistrationNote
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims

MAX_NOTE = 4000


class SchoolNotes:
    def __init__(self, database: Database, schools: Schools, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.schools = schools
        self.clock = clock

    async def add(self, claims: Claims, registration_id: UUID, text: str) -> RegistrationNote:
        text = text.strip()
        if not text:
            raise Refused([Problem("text", "a note needs some text", "note_empty")])
        if len(text) > MAX_NOTE:
            raise Refused(
                [Problem("text", f"a note is at most {MAX_NOTE} characters", "note_too_long", {"max": MAX_NOTE})]
            )
        async with self.database.transaction() as session:
            registration, school = await self.schools.at_secondary_school(session, claims, registration_id)
            note = RegistrationNote(
                registration_id=registration.id,
                school_brin=school,
                text=text,
                author=claims.sub,
                created_at=self.clock(),
            )
            session.add(note)
            return note

    async def of(self, claims: Claims, registration_id: UUID) -> list[RegistrationNote]:
        async with self.database.transaction() as session:
            registration, school = await self.schools.at_secondary_school(session, claims, registration_id, act=False)
            query = (
                select(RegistrationNote)
                .where(RegistrationNote.registration_id == registration.id, RegistrationNote.school_brin == school)
                .order_by(col(RegistrationNote.created_at), col(RegistrationNote.id))
            )
            return list((await session.exec(query)).all())
