"""What the primary school shares, and the secondary school's side of it (`domain/sharing.py`): notes,
the reason not to place, which secondary schools received a pupil's registration (aanmelding's events,
inside the handler's unit of work), and the secondary school's questions. Each request is one unit of
work with its audit entry and any event; a secondary school's every read is audited."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from loket.contracts.errors import Conflict, Forbidden, Invalid, NotFound
from loket.contracts.events import (
    InformationAnswered,
    InformationRequested,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from loket.contracts.runtime.paging import Paging
from loket.contracts.tokens import Role
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.application import DossierWork, Uow
from loket.dossier.application.reach import Reached, reached, read_by, shown, written
from loket.dossier.domain import sharing as rules
from loket.dossier.domain.access import SCHOOL_STAFF, Caller
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.pupils import school_code
from loket.dossier.domain.sharing import NoteVisibility, NotPlacingReason
from loket.dossier.persistence.models import InformationRequest, Pupil, PupilNote, SecondaryAccess
from loket.dossier.persistence.repository import Pupils
from loket.dossier.persistence.sharing import SharedRecords

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredPupil:
    pupil: Pupil
    registered_since: datetime | None


def own_school(caller: Caller, school: str, refusal: str) -> str:
    """A school the caller works at: answered as not found for anyone else but the region (`refusal`)."""
    school = school.strip().upper()
    if caller.role not in SCHOOL_STAFF or school not in caller.schools:
        if caller.role is Role.REGION_ADMIN:
            raise Forbidden(refusal)
        raise NotFound("school not found")
    return school


class Sharing:
    def __init__(self, work: DossierWork, vault: BsnVault) -> None:
        self.work = work
        self.vault = vault

    async def registered_with(
        self, caller: Caller, school: str, pupils: list[UUID] | None = None
    ) -> list[RegisteredPupil]:
        """The pupils whose standing registration went to this secondary school, for that school's staff;
        only `pupils` of them when given (the pupils of one page of a long list)."""
        school = own_school(caller, school, "only the secondary school's own staff list the pupils registered with it")
        async with self.work() as uow:
            found: dict[UUID, RegisteredPupil] = {}
            for pupil, since in await SharedRecords(uow.session).registered_with(school, pupils):
                found.setdefault(pupil.id, RegisteredPupil(pupil, since))  # one line per pupil
            uow.audit.record(caller, AuditAction.PUPILS_LISTED, secondary_school=school, count=len(found))
        return list(found.values())

    async def add_note(self, caller: Caller, pupil_id: UUID, text: str, visibility: NoteVisibility) -> PupilNote:
        """The primary school's own staff note something on the pupil, for themselves or also for the VO."""
        text = rules.checked_text(text, "text")
        async with self.work() as uow:
            refusal = "only the primary school's own staff write notes on its pupils"
            await written(uow, caller, pupil_id, refusal, for_update=False)
            note = PupilNote(
                pupil_id=pupil_id, visibility=visibility, text=text, author=caller.subject, created_at=uow.now
            )
            SharedRecords(uow.session).add(note)
            uow.audit.record(caller, AuditAction.NOTE_ADDED, pupil_id, visibility=visibility.value)
        return note

    async def notes(self, caller: Caller, pupil_id: UUID) -> Sequence[PupilNote]:
        """The primary school's staff read every note; a secondary school only those meant for it."""
        async with self.work() as uow:
            found = await self._read_by_staff(uow, caller, pupil_id, "notes are the schools' own")
            notes = await SharedRecords(uow.session).notes(pupil_id, for_secondary=found.secondary is not None)
            read_by(uow, caller, found, AuditAction.NOTES_READ)
        return notes

    async def set_not_placing_reason(self, caller: Caller, pupil_id: UUID, reason: NotPlacingReason | None) -> Reached:
        """Reden niet plaatsen VO: deregistered, moved, repeating groep 8; None clears it. Answers the pupil."""
        async with self.work() as uow:
            refusal = "only the primary school's own staff say why a pupil is not placed"
            found = await written(uow, caller, pupil_id, refusal)
            found.pupil.not_placing_reason = reason
            Pupils(uow.session).add(found.pupil)
            value = None if reason is None else reason.value
            uow.audit.record(caller, AuditAction.NOT_PLACING_SET, pupil_id, reason=value)
            return await shown(uow, caller, found, self.vault)

    async def ask(self, caller: Caller, pupil_id: UUID, message: str) -> InformationRequest:
        """A secondary school the pupil is registered with asks the primary school for more information."""
        message = rules.checked_text(message, "message")
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, as_secondary=True)
            if found.secondary is None:
                raise Forbidden("only a secondary school the pupil is registered with asks for more information")
            asked = InformationRequest(
                pupil_id=pupil_id,
                from_school_brin=found.secondary,
                to_school_brin=found.pupil.school_brin,
                message=message,
                asked_by=caller.subject,
                asked_at=uow.now,
            )
            SharedRecords(uow.session).add(asked)
            await uow.emit(
                InformationRequested(
                    request_id=asked.id,
                    pupil_id=pupil_id,
                    from_school_brin=asked.from_school_brin,
                    to_school_brin=asked.to_school_brin,
                )
            )
            read_by(uow, caller, found, AuditAction.INFORMATION_REQUESTED)
        return asked

    async def questions(self, caller: Caller, pupil_id: UUID) -> Sequence[InformationRequest]:
        """The primary school's staff read every question about the pupil; a secondary school its own."""
        async with self.work() as uow:
            found = await self._read_by_staff(uow, caller, pupil_id, "questions are between the schools")
            asked = await SharedRecords(uow.session).questions(pupil_id, asked_by=found.secondary)
            read_by(uow, caller, found, AuditAction.INFORMATION_REQUESTS_READ)
        return asked

    async def answer(self, caller: Caller, pupil_id: UUID, request_id: UUID, text: str) -> InformationRequest:
        """The primary school's own staff answer a question about the pupil, once; the school that asked is
        told (`dossier.information.answered.v1`, without the text)."""
        text = rules.checked_text(text, "answer")
        async with self.work() as uow:
            refusal = "only the primary school's own staff answer questions about the pupil"
            await written(uow, caller, pupil_id, refusal, for_update=False)
            shared = SharedRecords(uow.session)
            asked = await shared.question(request_id)
            if asked is None or asked.pupil_id != pupil_id:
                raise NotFound("question not found")
            if asked.answered_at is not None:
                raise Conflict(
                    f"this question was answered on {asked.answered_at:%Y-%m-%d}; the secondary school may ask again"
                )
            asked.answer, asked.answered_by, asked.answered_at = text, caller.subject, uow.now
            shared.add(asked)
            await uow.emit(
                InformationAnswered(
                    request_id=asked.id,
                    pupil_id=pupil_id,
                    from_school_brin=asked.from_school_brin,
                    to_school_brin=asked.to_school_brin,
                )
            )
            uow.audit.record(caller, AuditAction.INFORMATION_ANSWERED, pupil_id, request=str(asked.id))
        return asked

    async def school_questions(
        self, caller: Caller, school: str, *, open_only: bool, paging: Paging | None = None
    ) -> tuple[list[tuple[InformationRequest, Pupil]], int]:
        """A school's questions with their pupils: for a primary school those asked about the pupils the caller
        sees (a teacher: of their groups); for a secondary school its own, while the pupil is registered with it.
        `open_only`: the ones without an answer yet. One page of them when `paging` has a limit (sorted by
        `asked_at`, the default, or `answered_at`), and how many there are in all."""
        school = own_school(caller, school, "questions are between the schools")
        async with self.work() as uow:
            seen = [pupil.id for pupil, _ in await Pupils(uow.session).in_reach(caller, school)]
            records = SharedRecords(uow.session)
            found, total = await records.school_questions(school, seen, open_only=open_only, paging=paging)
            for pupil_id in dict.fromkeys(pupil.id for _, pupil in found):  # each pupil's questions were read
                uow.audit.record(caller, AuditAction.INFORMATION_REQUESTS_READ, pupil_id, school=school)
        return found, total

    @staticmethod
    async def _read_by_staff(uow: Uow, caller: Caller, pupil_id: UUID, refusal: str) -> Reached:
        """A pupil whose shared records staff read: its primary school's, or a secondary school's it is
        registered with."""
        found = await reached(uow, caller, pupil_id, as_secondary=True)
        if not caller.is_staff:
            raise Forbidden(refusal)
        return found


async def record_registration(
    uow: Uow, registration: RegistrationSubmitted | RegistrationWithdrawn, occurred_at: datetime
) -> None:
    """aanmelding's word on a registration (submitted, or withdrawn): which secondary schools read the
    pupil. A submission replaces the registration's list of schools; an older event than the one applied
    to a (registration, school) changes nothing there."""
    pupil_id, registration_id = registration.pupil_id, registration.registration_id
    submitted_at = registration.submitted_at if isinstance(registration, RegistrationSubmitted) else None
    withdrawn_at = registration.withdrawn_at if isinstance(registration, RegistrationWithdrawn) else None
    if await Pupils(uow.session).get(pupil_id) is None:
        return  # not a pupil of this dossier (e.g. from outside the region)
    records = SharedRecords(uow.session)
    rows = await records.accesses(registration_id)
    named = set()
    for school in registration.school_brins:
        try:
            named.add(school_code(school, "school_brins"))
        except Invalid:
            log.warning(
                "registration %s names a school that is not a BRIN with its location; left out", registration_id
            )
    for school in named | (set(rows) if submitted_at is not None else set()):
        row = rows.get(school) or SecondaryAccess(
            registration_id=registration_id, school_brin=school, pupil_id=pupil_id, changed_at=occurred_at
        )
        if school in rows and not rules.is_newer(occurred_at, row.changed_at):
            continue
        if submitted_at is not None and school in named:
            row.submitted_at, row.withdrawn_at = submitted_at, None
        else:  # withdrawn, or left off a newer submission
            row.withdrawn_at = withdrawn_at or occurred_at
        row.changed_at = occurred_at
        records.add(row)
