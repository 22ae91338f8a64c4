"""The secondary school's side of a registration, each step one transaction: it sees the registrations
made with it (and, after a lottery, the pupils placed with it), grants or rejects a priority claim,
places a pupil (Geplaatst), ends a registration, and marks a tafelmiddag. The primary school's side is
`primary_schools.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.events import withdrawn
from loket.aanmelding.application.registration import (
    Forbidden,
    NotFound,
    refuse_group_limited,
)
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import (
    NotNow,
    Problem,
    Refused,
    RegistrationState,
)
from loket.aanmelding.persistence.models import Placement, PupilEligibility, Registration
from loket.aanmelding.persistence.placements import placed_at, placements
from loket.contracts.events import PlacedBySchool, PriorityClaimDecided, RegistrationEndedBySchool, TafelmiddagMarked
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.paging import Paging, page_statement
from loket.contracts.tokens import Claims, Role

SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.SCHOOL_USER)
# the orders a school sorts its registrations in, as the database sorts them
RECEIVED_SORTS = {
    "received": func.coalesce(
        col(Registration.forwarded_at), col(Registration.submitted_at), col(Registration.started_at)
    ),
    "round": col(Registration.round_code),
    "program": col(Registration.preferences)[0].as_string(),
    "priority": col(Registration.priority)["kind"].as_string(),
    "placed": col(Registration.school_placed_at),
}


@dataclass(frozen=True)
class ReceivedFilter:
    round: str | None = None
    program: str | None = None
    state: RegistrationState | None = None
    placed: bool | None = None


class Schools:
    def __init__(self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock

    # The secondary school of first choice.

    async def received(self, claims: Claims, brin: str) -> list[tuple[Registration, Placement | None]]:
        """The registrations made with this school (its first choice), oldest first, and after a lottery
        also those it placed here from another first choice; each with its placement."""
        reach(claims, brin, secondary=True)
        codes = [
            program.code for school in self.procedure.schools if school.brin == brin for program in school.programs
        ]
        async with self.database.transaction() as session:
            found = {registration.id: registration for registration in await self._received_in(session, brin)}
            for registration_id in set(await placed_at(session, codes)) - set(found):
                registration = await session.get(Registration, registration_id)
                if registration is not None and self._reached(registration):
                    found[registration.id] = registration
            placed = await placements(session, found)
        ordered = sorted(found.values(), key=received_at)
        return [(registration, placed.get(registration.id)) for registration in ordered]

    async def received_page(
        self, claims: Claims, brin: str, paging: Paging, wanted: ReceivedFilter
    ) -> tuple[list[tuple[Registration, Placement | None]], int]:
        """One page of `received`, filtered, sorted and paged in the database (a popular school receives
        thousands); with the whole list's length."""
        reach(claims, brin, secondary=True)
        codes = [
            program.code for school in self.procedure.schools if school.brin == brin for program in school.programs
        ]
        async with self.database.transaction() as session:
            given = set(await placed_at(session, codes))
            query = select(Registration).where(
                col(Registration.active).is_(True),
                col(Registration.state).in_(self._states()),
                or_(col(Registration.first_choice_brin) == brin, col(Registration.id).in_(given)),
            )
            if wanted.round is not None:
                query = query.where(Registration.round_code == wanted.round)
            if wanted.program is not None:
                query = query.where(col(Registration.preferences)[0].as_string() == wanted.program)
            if wanted.state is not None:
                query = query.where(Registration.state == wanted.state)
            if wanted.placed is not None:
                placed = col(Registration.school_placed_at)
                query = query.where(placed.is_not(None) if wanted.placed else placed.is_(None))
            page, counted = page_statement(query.order_by(col(Registration.id)), paging, RECEIVED_SORTS, "received")
            total = int((await session.execute(counted)).scalar_one())
            found = list((await session.exec(page)).all())  # type: ignore[call-overload]
            placed_here = await placements(session, [registration.id for registration in found])
        return [(registration, placed_here.get(registration.id)) for registration in found], total

    async def one(self, claims: Claims, registration_id: UUID) -> tuple[Registration, Placement | None]:
        """One registration the caller's school received or was given by the lottery, with its placement."""
        async with self.database.transaction() as session:
            registration, _ = await self.at_secondary_school(session, claims, registration_id, act=False)
            placement = (await placements(session, [registration.id])).get(registration.id)
        return registration, placement

    async def lottery_pool(self, claims: Claims, brin: str) -> list[tuple[Registration, Placement | None]]:
        """The registrations made with this school that it has not placed (ELK's "decentrale loting"):
        who goes into its lottery when it is over-subscribed."""
        reach(claims, brin, secondary=True)
        async with self.database.transaction() as session:
            found = await self._received_in(session, brin, unplaced=True)
            placed = await placements(session, {registration.id: registration for registration in found})
        ordered = sorted(found, key=received_at)
        return [(registration, placed.get(registration.id)) for registration in ordered]

    async def withdrawn(self, claims: Claims, brin: str) -> list[Registration]:
        """Registrations that reached this school and were withdrawn or voided since (the Terugtrekkers)."""
        reach(claims, brin, secondary=True)
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.state).in_([RegistrationState.WITHDRAWN, RegistrationState.VOIDED]),
            col(Registration.submitted_at).is_not(None),
        )
        async with self.database.transaction() as session:
            found = (await session.exec(query)).all()
        return sorted(found, key=lambda registration: registration.withdrawn_at or registration.started_at)

    async def decide_priority(
        self, claims: Claims, registration_id: UUID, granted: bool, reason: str | None = None
    ) -> Registration:
        """Grant or reject the priority claimed at this school, with the school's reason if it gives one;
        until the round's lottery it may be changed."""
        async with self.database.transaction() as session:
            registration = await session.get(Registration, registration_id, with_for_update=not self.database.is_sqlite)
            if registration is None or registration.first_choice_brin is None or not self._reached(registration):
                raise NotFound("no such registration with your school", code="registration_not_found")
            reach(claims, registration.first_choice_brin, act=True, secondary=True)
            if registration.priority is None:
                raise NotNow("no priority was claimed in this registration", code="no_priority_claimed")
            round_ = self.procedure.round(registration.round_code)
            if self.clock() >= round_.lottery_at:
                raise NotNow(
                    f"the lottery of {round_.name} has run; a decision can no longer change",
                    code="lottery_has_run",
                    round=round_.code,
                    round_name=round_.name,
                    lottery_at=round_.lottery_at,
                )
            registration.priority_decision = "granted" if granted else "rejected"
            registration.priority_decided_at = registration.changed_at = self.clock()
            registration.priority_decided_by = claims.sub
            registration.priority_reason = (reason or "").strip() or None
            session.add(registration)
            await self.outbox.put(
                session,
                PriorityClaimDecided(
                    pupil_id=registration.pupil_id,
                    registration_id=registration.id,
                    school_brin=registration.first_choice_brin,
                    kind=str(registration.priority["kind"]),
                    granted=granted,
                    decided_at=registration.priority_decided_at,
                ),
            )
        self.outbox.nudge()
        return registration

    async def place(self, claims: Claims, registration_id: UUID, stream: str | None) -> Registration:
        """Geplaatst: the school places the pupil, in a stream or profile if it says one."""
        async with self.database.transaction() as session:
            registration, school = await self.at_secondary_school(session, claims, registration_id)
            registration.school_placed_at = registration.changed_at = self.clock()
            registration.school_placed_by, registration.placed_stream = claims.sub, (stream or "").strip() or None
            session.add(registration)
            placed = PlacedBySchool(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                school_brin=school,
                stream=registration.placed_stream,
                placed_at=registration.school_placed_at,
            )
            await self.outbox.put(session, placed)
        self.outbox.nudge()
        return registration

    async def end(self, claims: Claims, registration_id: UUID, reason: str, *, support_needs: bool) -> Registration:
        """The school withdraws the registration (the pupil chose otherwise), or cannot place the pupil for
        support needs: then the registration is void and the pupil may register at another school."""
        if not reason.strip():
            raise Refused([Problem("reason", "say why, for the primary school and the region", "reason_missing")])
        async with self.database.transaction() as session:
            registration, school = await self.at_secondary_school(session, claims, registration_id)
            registration.state = RegistrationState.VOIDED if support_needs else RegistrationState.WITHDRAWN
            registration.active = None
            registration.withdrawn_at = registration.changed_at = self.clock()
            registration.withdrawn_by, registration.withdrawal_reason = claims.sub, reason.strip()
            session.add(registration)
            await self.outbox.put(session, withdrawn(registration, registration.withdrawn_at))
            ended = RegistrationEndedBySchool(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                school_brin=school,
                primary_school_brin=registration.school_brin,
                support_needs=support_needs,
                ended_at=registration.withdrawn_at,
            )
            await self.outbox.put(session, ended)
        self.outbox.nudge()
        return registration

    async def mark_tafelmiddag(self, claims: Claims, registration_id: UUID, tafelmiddag: bool) -> Registration:
        async with self.database.transaction() as session:
            registration, school = await self.at_secondary_school(session, claims, registration_id)
            registration.tafelmiddag, registration.changed_at = tafelmiddag, self.clock()
            session.add(registration)
            marked = TafelmiddagMarked(
                registration_id=registration.id,
                school_brin=school,
                tafelmiddag=tafelmiddag,
                marked_at=registration.changed_at,
            )
            await self.outbox.put(session, marked)
        self.outbox.nudge()
        return registration

    async def at_secondary_school(
        self, session: AsyncSession, claims: Claims, registration_id: UUID, *, act: bool = True
    ) -> tuple[Registration, str]:
        """A registration the caller's school received (first choice) or was given by the lottery, with that
        school. `act`: the school's own staff only; else whoever reads along too."""
        registration = await session.get(Registration, registration_id, with_for_update=not self.database.is_sqlite)
        if registration is None or not self._reached(registration):
            raise NotFound("no such registration with your school", code="registration_not_found")
        placement = (await placements(session, [registration.id])).get(registration.id)
        programs = self.procedure.programs()
        placed_school = programs[placement.program][0].brin if placement and placement.program in programs else None
        schools = [brin for brin in (registration.first_choice_brin, placed_school) if brin]
        reached = [brin for brin in schools if claims.reaches_school(brin)]
        if not reached:
            raise NotFound("no such registration with your school", code="registration_not_found")
        reach(claims, reached[0], act=act, secondary=True)
        return registration, reached[0]

    async def elk_numbers(self, pupil_ids: Iterable[UUID]) -> dict[UUID, str | None]:
        """The pupils' ELK numbers, the key a secondary school's own administration knows them by."""
        query = select(PupilEligibility.pupil_id, PupilEligibility.elk_number)
        async with self.database.transaction() as session:
            rows = (await session.exec(query.where(col(PupilEligibility.pupil_id).in_(list(pupil_ids))))).all()
        return dict(rows)

    def _states(self) -> list[RegistrationState]:
        """When a list has reached the school of first choice: submitted, or in Zaanstad forwarded."""
        if self.procedure.submission == Submission.PRIMARY_SCHOOL:
            return [RegistrationState.FORWARDED]
        return [RegistrationState.SUBMITTED, RegistrationState.FORWARDED]

    def _reached(self, registration: Registration) -> bool:
        return bool(registration.active) and registration.state in self._states()

    async def _received_in(self, session: AsyncSession, brin: str, *, unplaced: bool = False) -> list[Registration]:
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.active).is_(True),
            col(Registration.state).in_(self._states()),
        )
        if unplaced:
            query = query.where(col(Registration.school_placed_at).is_(None))
        return list((await session.exec(query)).all())


def reach(claims: Claims, brin: str, *, act: bool = False, secondary: bool = False) -> None:
    if not claims.reaches_school(brin):
        raise NotFound("no such school within your reach", code="school_not_found", school=brin)
    if secondary:
        refuse_group_limited(claims)
    if act and claims.role not in SCHOOL_STAFF:
        raise Forbidden(
            f"a {claims.role} reads along; the school's own staff decide", code="school_staff_only", role=claims.role
        )


def received_at(registration: Registration) -> datetime:
    """When the registration reached the school: forwarded (Zaanstad), else submitted."""
    return registration.forwarded_at or registration.submitted_at or registration.started_at
