"""What the primary school shares, and the secondary school's side of it (`domain/sharing.py`): notes,
the reason not to place, which secondary schools received a pupil's registration (aanmelding's events,
inside the handler's transaction), and the secondary school's questions. Each request is one
transaction with its audit entry and any event; a secondary school's every read is audited."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import InformationAnswered, InformationRequested
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.paging import Paging, page_statement
from loket.contracts.tokens import Role
from loket.dossier.domain import sharing as rules
from loket.dossier.domain.access import SCHOOL_STAFF, Caller
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from loket.dossier.domain.pupils import school_code
from loket.dossier.domain.sharing import NoteVisibility, NotPlacingReason
from loket.dossier.dossiers import Reached, reached
from loket.dossier.persistence.audit import AuditTrail
from loket.dossier.persistence.models import InformationRequest, Pupil, PupilNote, SecondaryAccess
from loket.dossier.persistence.repository import Pupils

log = logging.getLogger(__name__)


def as_read_by(found: Reached) -> dict[str, str]:
    return {} if found.secondary is None else {"secondary_school": found.secondary}


@dataclass(frozen=True)
class RegisteredPupil:
    pupil: Pupil
    registered_since: datetime | None


class Sharing:
    def __init__(self, database: Database, outbox: Outbox) -> None:
        self.database = database
        self.outbox = outbox

    async def registered_with(
        self, caller: Caller, school: str, pupils: list[UUID] | None = None
    ) -> list[RegisteredPupil]:
        """The pupils whose standing registration went to this secondary school, for that school's staff;
        only `pupils` of them when given (the pupils of one page of a long list)."""
        school = school.strip().upper()
        if caller.role not in SCHOOL_STAFF or school not in caller.schools:
            if caller.role is Role.REGION_ADMIN:
                raise NotAllowed("only the secondary school's own staff list the pupils registered with it")
            raise NotFound("school")
        async with self.database.transaction() as session:
            query = (
                select(Pupil, SecondaryAccess.submitted_at)
                .join(SecondaryAccess, col(SecondaryAccess.pupil_id) == col(Pupil.id))
                .where(SecondaryAccess.school_brin == school, col(SecondaryAccess.withdrawn_at).is_(None))
                .order_by(col(Pupil.family_name), col(Pupil.given_name), col(Pupil.id))
            )
            if pupils is not None:
                query = query.where(col(Pupil.id).in_(pupils))
            found: dict[UUID, RegisteredPupil] = {}
            for pupil, since in (await session.exec(query)).all():
                found.setdefault(pupil.id, RegisteredPupil(pupil, since))  # one line per pupil
            AuditTrail(session).record(caller, AuditAction.PUPILS_LISTED, secondary_school=school, count=len(found))
        return list(found.values())

    async def add_note(self, caller: Caller, pupil_id: UUID, text: str, visibility: NoteVisibility) -> PupilNote:
        """The primary school's own staff note something on the pupil, for themselves or also for the VO."""
        text = rules.text(text, "text")
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id)
            if not caller.writes_dossier(found.ref):
                raise NotAllowed("only the primary school's own staff write notes on its pupils")
            note = PupilNote(
                pupil_id=pupil_id, visibility=visibility, text=text, author=caller.subject, created_at=datetime.now(UTC)
            )
            session.add(note)
            AuditTrail(session).record(caller, AuditAction.NOTE_ADDED, pupil_id, visibility=visibility.value)
        return note

    async def notes(self, caller: Caller, pupil_id: UUID) -> Sequence[PupilNote]:
        """The primary school's staff read every note; a secondary school only those meant for it."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            if not caller.is_staff:
                raise NotAllowed("notes are the schools' own")
            query = select(PupilNote).where(PupilNote.pupil_id == pupil_id)
            if found.secondary is not None:
                query = query.where(PupilNote.visibility == NoteVisibility.SECONDARY_SCHOOL)
            notes = (await session.exec(query.order_by(col(PupilNote.created_at), col(PupilNote.id)))).all()
            AuditTrail(session).record(caller, AuditAction.NOTES_READ, pupil_id, **as_read_by(found))
        return notes

    async def set_not_placing_reason(self, caller: Caller, pupil_id: UUID, reason: NotPlacingReason | None) -> None:
        """Reden niet plaatsen VO: deregistered, moved, repeating groep 8; None clears it."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, for_update=True)
            if not caller.writes_dossier(found.ref):
                raise NotAllowed("only the primary school's own staff say why a pupil is not placed")
            found.pupil.not_placing_reason = reason
            session.add(found.pupil)
            value = None if reason is None else reason.value
            AuditTrail(session).record(caller, AuditAction.NOT_PLACING_SET, pupil_id, reason=value)

    async def ask(self, caller: Caller, pupil_id: UUID, message: str) -> InformationRequest:
        """A secondary school the pupil is registered with asks the primary school for more information."""
        message = rules.text(message, "message")
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            if found.secondary is None:
                raise NotAllowed("only a secondary school the pupil is registered with asks for more information")
            asked = InformationRequest(
                pupil_id=pupil_id,
                from_school_brin=found.secondary,
                to_school_brin=found.pupil.school_brin,
                message=message,
                asked_by=caller.subject,
                asked_at=datetime.now(UTC),
            )
            session.add(asked)
            await self.outbox.put(
                session,
                InformationRequested(
                    request_id=asked.id,
                    pupil_id=pupil_id,
                    from_school_brin=asked.from_school_brin,
                    to_school_brin=asked.to_school_brin,
                ),
            )
            AuditTrail(session).record(caller, AuditAction.INFORMATION_REQUESTED, pupil_id, **as_read_by(found))
        self.outbox.nudge()
        return asked

    async def questions(self, caller: Caller, pupil_id: UUID) -> Sequence[InformationRequest]:
        """The primary school's staff read every question about the pupil; a secondary school its own."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            if not caller.is_staff:
                raise NotAllowed("questions are between the schools")
            query = select(InformationRequest).where(InformationRequest.pupil_id == pupil_id)
            if found.secondary is not None:
                query = query.where(InformationRequest.from_school_brin == found.secondary)
            order = (col(InformationRequest.asked_at), col(InformationRequest.id))
            asked = (await session.exec(query.order_by(*order))).all()
            AuditTrail(session).record(caller, AuditAction.INFORMATION_REQUESTS_READ, pupil_id, **as_read_by(found))
        return asked

    async def answer(self, caller: Caller, pupil_id: UUID, request_id: UUID, text: str) -> InformationRequest:
        """The primary school's own staff answer a question about the pupil, once; the school that asked is
        told (`dossier.information.answered.v1`, without the text)."""
        text = rules.text(text, "answer")
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id)
            if not caller.writes_dossier(found.ref):
                raise NotAllowed("only the primary school's own staff answer questions about the pupil")
            asked = await session.get(InformationRequest, request_id, with_for_update=not self.database.is_sqlite)
            if asked is None or asked.pupil_id != pupil_id:
                raise NotFound("question")
            if asked.answered_at is not None:
                raise Conflict(
                    f"this question was answered on {asked.answered_at:%Y-%m-%d}; the secondary school may ask again"
                )
            asked.answer, asked.answered_by, asked.answered_at = text, caller.subject, datetime.now(UTC)
            session.add(asked)
            await self.outbox.put(
                session,
                InformationAnswered(
                    request_id=asked.id,
                    pupil_id=pupil_id,
                    from_school_brin=asked.from_school_brin,
                    to_school_brin=asked.to_school_brin,
                ),
            )
            AuditTrail(session).record(caller, AuditAction.INFORMATION_ANSWERED, pupil_id, request=str(asked.id))
        self.outbox.nudge()
        return asked

    async def school_questions(
        self, caller: Caller, school: str, *, open_only: bool, paging: Paging | None = None
    ) -> tuple[list[tuple[InformationRequest, Pupil]], int]:
        """A school's questions with their pupils: for a primary school those asked about the pupils the caller
        sees (a teacher: of their groups); for a secondary school its own, while the pupil is registered with it.
        `open_only`: the ones without an answer yet. One page of them when `paging` has a limit (sorted by
        `asked_at`, the default, or `answered_at`), and how many there are in all."""
        school = school.strip().upper()
        if caller.role not in SCHOOL_STAFF or school not in caller.schools:
            if caller.role is Role.REGION_ADMIN:
                raise NotAllowed("questions are between the schools")
            raise NotFound("school")
        async with self.database.transaction() as session:
            seen = {pupil.id: pupil for pupil, _ in await Pupils(session).in_reach(caller, school)}
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
                            col(InformationRequest.pupil_id).in_(list(seen)),
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
            found = [(asked, pupil) for asked, pupil in (await session.exec(page)).all()]  # type: ignore[call-overload]
            total = len(found)
            if paging is not None and paging.limit is not None:
                total = (await session.execute(counted)).scalar_one()
            trail = AuditTrail(session)
            for pupil_id in dict.fromkeys(pupil.id for _, pupil in found):  # each pupil's questions were read
                trail.record(caller, AuditAction.INFORMATION_REQUESTS_READ, pupil_id, school=school)
        return found, total


async def record_registration(
    session: AsyncSession,
    pupil_id: UUID,
    registration_id: UUID,
    schools: Sequence[str],
    occurred_at: datetime,
    *,
    submitted_at: datetime | None = None,
    withdrawn_at: datetime | None = None,
) -> None:
    """aanmelding's word on a registration (submitted, or withdrawn): which secondary schools read the
    pupil. A submission replaces the registration's list of schools; an older event than the one applied
    to a (registration, school) changes nothing there."""
    if await session.get(Pupil, pupil_id) is None:
        return  # not a pupil of this dossier (e.g. from outside the region)
    query = select(SecondaryAccess).where(SecondaryAccess.registration_id == registration_id)
    rows = {row.school_brin: row for row in (await session.exec(query)).all()}
    named = set()
    for school in schools:
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
        session.add(row)
