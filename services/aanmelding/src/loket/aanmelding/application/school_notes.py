"""A secondary school's notes on the registrations it received (notities): its own staff write them and
whoever reads the registration along with the school reads them; the parents, the primary school and
any other secondary school do not. Notes are kept per school: a pupil the lottery places elsewhere
does not take the first school's notes along."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from loket.aanmelding.application.secondary_school import SecondarySchools
from loket.aanmelding.domain.registration import Problem
from loket.aanmelding.persistence.models import RegistrationNote
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims

MAX_NOTE = 4000


class SchoolNotes:
    def __init__(self, work: Work[Any], schools: SecondarySchools) -> None:
        self.work = work
        self.schools = schools

    async def add(self, claims: Claims, registration_id: UUID, text: str) -> RegistrationNote:
        text = text.strip()
        if not text:
            raise Invalid([Problem("text", "a note needs some text", "note_empty")])
        if len(text) > MAX_NOTE:
            raise Invalid(
                [Problem("text", f"a note is at most {MAX_NOTE} characters", "note_too_long", {"max": MAX_NOTE})]
            )
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, school = await self.schools.at_secondary_school(store, claims, registration_id)
            note = RegistrationNote(
                registration_id=registration.id, school_brin=school, text=text, author=claims.sub, created_at=uow.now
            )
            store.notes.add(note)
        return note

    async def of(self, claims: Claims, registration_id: UUID) -> list[RegistrationNote]:
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, school = await self.schools.at_secondary_school(store, claims, registration_id, act=False)
            return await store.notes.of(registration.id, school)
