"""The secondary school's side of a registration, each step one unit of work: it sees the registrations
made with it (and, after a lottery, the pupils placed with it), grants or rejects a priority claim,
places a pupil (Geplaatst), ends a registration, and marks a tafelmiddag. The primary school's side is
`primary_school.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from loket.aanmelding.application.access import reach
from loket.aanmelding.application.events import withdrawn
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import Problem, RegistrationState
from loket.aanmelding.persistence.models import Placement, Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid, NotFound, NotNow
from loket.contracts.events import PlacedBySchool, PriorityClaimDecided, RegistrationEndedBySchool, TafelmiddagMarked
from loket.contracts.runtime.paging import Paging
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims


@dataclass(frozen=True)
class ReceivedFilter:
    round: str | None = None
    program: str | None = None
    state: RegistrationState | None = None
    placed: bool | None = None


class SecondarySchools:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def received_page(
        self, claims: Claims, brin: str, paging: Paging, wanted: ReceivedFilter
    ) -> tuple[list[tuple[Registration, Placement | None]], int]:
        """One page of the registrations made with this school (its first choice) and, after a lottery, of
        those it was given, each with its placement: filtered, sorted and paged in the database (a popular
        school receives thousands); with the whole list's length."""
        reach(claims, brin, secondary=True)
        async with self.work() as uow:
            store = Repositories(uow.session)
            given = await store.lotteries.placed_at(programs_at(self.procedure, brin))
            found, total = await store.registrations.received_page(
                brin,
                reached_states(self.procedure),
                given,
                paging,
                round_code=wanted.round,
                program=wanted.program,
                state=wanted.state,
                placed=wanted.placed,
            )
            placed_here = await store.lotteries.placements([registration.id for registration in found])
        return [(registration, placed_here.get(registration.id)) for registration in found], total

    async def one(self, claims: Claims, registration_id: UUID) -> tuple[Registration, Placement | None]:
        """One registration the caller's school received or was given by the lottery, with its placement."""
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, _ = await self.at_secondary_school(store, claims, registration_id, act=False)
            placement = (await store.lotteries.placements([registration.id])).get(registration.id)
        return registration, placement

    async def decide_priority(
        self, claims: Claims, registration_id: UUID, granted: bool, reason: str | None = None
    ) -> Registration:
        """Grant or reject the priority claimed at this school, with the school's reason if it gives one;
        until the round's lottery it may be changed."""
        async with self.work() as uow:
            registration = await Repositories(uow.session).registrations.get(registration_id, lock=True)
            if (
                registration is None
                or registration.first_choice_brin is None
                or not has_reached(self.procedure, registration)
            ):
                raise NotFound("no such registration with your school", code="registration_not_found")
            reach(claims, registration.first_choice_brin, act=True, secondary=True)
            if registration.priority is None:
                raise NotNow("no priority was claimed in this registration", code="no_priority_claimed")
            round_ = self.procedure.round(registration.round_code)
            if uow.now >= round_.lottery_at:
                raise NotNow(
                    f"the lottery of {round_.name} has run; a decision can no longer change",
                    code="lottery_has_run",
                    round=round_.code,
                    round_name=round_.name,
                    lottery_at=round_.lottery_at,
                )
            registration.priority_decision = "granted" if granted else "rejected"
            registration.priority_decided_at = registration.changed_at = uow.now
            registration.priority_decided_by = claims.sub
            registration.priority_reason = (reason or "").strip() or None
            decided = PriorityClaimDecided(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                school_brin=registration.first_choice_brin,
                kind=str(registration.priority["kind"]),
                granted=granted,
                decided_at=registration.priority_decided_at,
            )
            await uow.emit(decided)
        return registration

    async def place(self, claims: Claims, registration_id: UUID, stream: str | None) -> Registration:
        """Geplaatst: the school places the pupil, in a stream or profile if it says one."""
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, school = await self.at_secondary_school(store, claims, registration_id)
            registration.school_placed_at = registration.changed_at = uow.now
            registration.school_placed_by, registration.placed_stream = claims.sub, (stream or "").strip() or None
            placed = PlacedBySchool(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                school_brin=school,
                stream=registration.placed_stream,
                placed_at=registration.school_placed_at,
            )
            await uow.emit(placed)
        return registration

    async def end(self, claims: Claims, registration_id: UUID, reason: str, *, support_needs: bool) -> Registration:
        """The school withdraws the registration (the pupil chose otherwise), or cannot place the pupil for
        support needs: then the registration is void and the pupil may register at another school."""
        if not reason.strip():
            raise Invalid([Problem("reason", "say why, for the primary school and the region", "reason_missing")])
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, school = await self.at_secondary_school(store, claims, registration_id)
            registration.state = RegistrationState.VOIDED if support_needs else RegistrationState.WITHDRAWN
            registration.active = None
            registration.withdrawn_at = registration.changed_at = uow.now
            registration.withdrawn_by, registration.withdrawal_reason = claims.sub, reason.strip()
            await uow.emit(withdrawn(registration, registration.withdrawn_at))
            ended = RegistrationEndedBySchool(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                school_brin=school,
                primary_school_brin=registration.school_brin,
                support_needs=support_needs,
                ended_at=registration.withdrawn_at,
            )
            await uow.emit(ended)
        return registration

    async def mark_tafelmiddag(self, claims: Claims, registration_id: UUID, tafelmiddag: bool) -> Registration:
        async with self.work() as uow:
            store = Repositories(uow.session)
            registration, school = await self.at_secondary_school(store, claims, registration_id)
            registration.tafelmiddag, registration.changed_at = tafelmiddag, uow.now
            marked = TafelmiddagMarked(
                registration_id=registration.id,
                school_brin=school,
                tafelmiddag=tafelmiddag,
                marked_at=registration.changed_at,
            )
            await uow.emit(marked)
        return registration

    async def at_secondary_school(
        self, store: Repositories, claims: Claims, registration_id: UUID, *, act: bool = True
    ) -> tuple[Registration, str]:
        """A registration the caller's school received (first choice) or was given by the lottery, locked,
        with that school. `act`: the school's own staff only; else whoever reads along too."""
        registration = await store.registrations.get(registration_id, lock=True)
        if registration is None or not has_reached(self.procedure, registration):
            raise NotFound("no such registration with your school", code="registration_not_found")
        placement = (await store.lotteries.placements([registration.id])).get(registration.id)
        programs = self.procedure.programs()
        placed_school = programs[placement.program][0].brin if placement and placement.program in programs else None
        schools = [brin for brin in (registration.first_choice_brin, placed_school) if brin]
        reached = [brin for brin in schools if claims.reaches_school(brin)]
        if not reached:
            raise NotFound("no such registration with your school", code="registration_not_found")
        reach(claims, reached[0], act=act, secondary=True)
        return registration, reached[0]


def received_at(registration: Registration) -> datetime:
    """When the registration reached the school: forwarded (Zaanstad), else submitted."""
    return registration.forwarded_at or registration.submitted_at or registration.started_at


def programs_at(procedure: Procedure, brin: str) -> list[str]:
    return [program.code for school in procedure.schools if school.brin == brin for program in school.programs]


def reached_states(procedure: Procedure) -> list[RegistrationState]:
    """When a list has reached the school of first choice: submitted, or in Zaanstad forwarded."""
    if procedure.submission == Submission.PRIMARY_SCHOOL:
        return [RegistrationState.FORWARDED]
    return [RegistrationState.SUBMITTED, RegistrationState.FORWARDED]


def has_reached(procedure: Procedure, registration: Registration) -> bool:
    """The registration counts and reached its school of first choice."""
    return bool(registration.active) and registration.state in reached_states(procedure)
