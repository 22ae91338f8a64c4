"""A round's lottery: the region takes the market from the registrations that reached their school of
first choice, asks loting to hold its ceremony, and the ceremony's result comes back over the bus and is
applied (or the region carries the files by hand, for a ceremony held elsewhere). Parents see where they
are placed from the round's publication moment on; the schools as soon as the result is applied."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from loket.aanmelding.application.access import region_only, region_round
from loket.aanmelding.domain.market import Entry, Together, lot_groups, market
from loket.aanmelding.domain.procedure import TIME_ZONE, Procedure, Round, Submission
from loket.aanmelding.domain.registration import RegistrationState
from loket.aanmelding.domain.result import canonical, checked_assignments, sha256
from loket.aanmelding.persistence.models import Lottery, Placement, Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid, NotFound, NotNow
from loket.contracts.events import LotteryApplied, LotteryCeremonyRequested, LotteryTaken, ResultIssued, RunRefused
from loket.contracts.events.loting import SeedSource
from loket.contracts.runtime.paging import Paging
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.contracts.tokens import Claims


@dataclass(frozen=True)
class ProgramNumbers:
    """A program's first choices in a round, by registration state, beside its seats (no program: the
    registrations that have no list yet)."""

    school_brin: str | None
    school_name: str | None
    program: str | None
    program_name: str | None
    seats: int
    by_state: dict[str, int]


def student_id(registration_id: UUID) -> str:
    """The registration's id as the market's pseudonymous student id."""
    return registration_id.hex


REGION_ONLY = "only the region runs a round's lottery"


class Lotteries:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def market(self, claims: Claims, round_code: str) -> dict[str, Any]:
        """The round's market as it would be taken now (a preview; nothing is kept)."""
        round_ = self._round(claims, round_code)
        async with self.work() as uow:
            return await self._market(Repositories(uow.session), round_)

    async def take(self, claims: Claims, round_code: str) -> Lottery:
        """Fix the round's market for loting's ceremony: its canonical JSON and SHA-256 are kept. Not while
        parents (or, in Zaanstad, the primary schools) can still add to it: they would be left out."""
        round_ = self._round(claims, round_code)
        last = round_.forwarding.closes if round_.forwarding else round_.registration.closes
        async with self.work() as uow:
            if uow.now < last:
                raise NotNow(
                    f"registration in {round_.name} is open until {last.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}; "
                    f"take the market once it has closed (GET /rounds/{round_.code}/market shows it as it is now)",
                    code="registration_still_open",
                    round=round_.code,
                    round_name=round_.name,
                    closes=last,
                )
            store = Repositories(uow.session)
            taken = await self._market(store, round_)
            commitment = canonical(taken)
            lottery = Lottery(
                round_code=round_.code,
                commitment=commitment,
                commitment_sha256=sha256(commitment),
                taken_at=uow.now,
                taken_by=claims.sub,
            )
            store.lotteries.add(lottery)
            event = LotteryTaken(
                lottery_id=lottery.id,
                round=round_.code,
                market_sha256=lottery.commitment_sha256,
                registrations=len(taken["students"]),
                taken_at=lottery.taken_at,
            )
            await uow.emit(event)
        return lottery

    async def lottery(self, claims: Claims, lottery_id: UUID) -> Lottery:
        region_only(claims, REGION_ONLY)
        async with self.work() as uow:
            found = await Repositories(uow.session).lotteries.get(lottery_id)
        if found is None:
            raise NotFound("no such lottery", code="lottery_not_found")
        return found

    async def request_ceremony(
        self, claims: Claims, lottery_id: UUID, sources: Sequence[SeedSource], label: str | None
    ) -> Lottery:
        """Ask loting to hold the lottery's ceremony: it opens a run on this market, the notary enters the
        seed there, and the result comes back by itself (`result_issued`)."""
        region_only(claims, REGION_ONLY)
        async with self.work() as uow:
            lottery = await self._unapplied(Repositories(uow.session), lottery_id)
            if lottery.ceremony_requested_at is not None:
                asked = f"{lottery.ceremony_requested_at.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}"
                raise NotNow(
                    f"loting was asked at {asked} to hold this lottery's ceremony (its run has the same id)",
                    code="ceremony_already_requested",
                    requested_at=lottery.ceremony_requested_at,
                )
            round_ = self.procedure.round(lottery.round_code)
            taken = f"{lottery.taken_at.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}"
            lottery.ceremony_requested_at, lottery.ceremony_requested_by = uow.now, claims.sub
            lottery.ceremony_refusal = None
            requested = LotteryCeremonyRequested(
                lottery_id=lottery.id,
                round=lottery.round_code,
                label=label or f"{self.procedure.region}: {round_.name}, market taken {taken}",
                market=json.loads(lottery.commitment),
                market_sha256=lottery.commitment_sha256,
                seed_sources=tuple(sources),
            )
            await uow.emit(requested)
        return lottery

    async def apply(self, claims: Claims, lottery_id: UUID, market_text: str, result_text: str) -> Lottery:
        """Apply the ceremony's result: every registration in the market gets its placement, or none."""
        region_only(claims, REGION_ONLY)
        async with self.work() as uow:
            lottery = await self._unapplied(Repositories(uow.session), lottery_id)
            await self._apply(uow, lottery, market_text, result_text, by=claims.sub)
        return lottery

    async def result_issued(self, uow: UnitOfWork[Any], issued: ResultIssued) -> Lottery | None:
        """loting's ceremony completed: apply its result to the lottery whose market its run committed to
        (the run of a requested ceremony has the lottery's id). A result that does not check out changes
        nothing and says why on the lottery; a run of another market is none of aanmelding's business."""
        waiting = await Repositories(uow.session).lotteries.waiting_for(issued.commitment_sha256)
        lottery = next((found for found in waiting if found.id == issued.run_id), None) or max(
            waiting, key=lambda found: found.taken_at, default=None
        )
        if lottery is None:
            return None
        try:
            await self._apply(uow, lottery, issued.market, issued.result, by="loting")
        except Invalid as refused:
            lottery.ceremony_refusal = str(refused)
        return lottery

    async def run_refused(self, uow: UnitOfWork[Any], refused: RunRefused) -> None:
        """loting could not open the lottery's run: the region sees why, and may ask again."""
        lottery = await Repositories(uow.session).lotteries.get(refused.run_id)
        if lottery is None or lottery.applied_at is not None:
            return
        lottery.ceremony_refusal = f"loting opened no run: {refused.reason}"
        lottery.ceremony_requested_at = lottery.ceremony_requested_by = None

    async def unplaced(
        self, claims: Claims, lottery_id: UUID, paging: Paging | None = None
    ) -> tuple[list[tuple[Registration, bool]], int]:
        """The registrations the lottery left without a place (a page of them, and how many in all), each
        with whether its list was as long as the rule asks (then the remedy is seats and a new lottery,
        never a hand edit of the result)."""
        region_only(claims, REGION_ONLY)
        async with self.work() as uow:
            store = Repositories(uow.session)
            lottery = await store.lotteries.get(lottery_id)
            if lottery is None:
                raise NotFound("no such lottery", code="lottery_not_found")
            if lottery.applied_at is None:
                raise NotNow("this lottery's result is not applied yet", code="lottery_not_applied")
            found, total = await store.registrations.unplaced_page(lottery.id, paging or Paging())
        return [
            (registration, len(registration.preferences) >= self.procedure.required_length(registration.advice)[0])
            for registration in found
        ], total

    async def of_round(self, claims: Claims, round_code: str) -> list[Lottery]:
        """The round's lotteries, the last taken first (a lottery is applied once; a new one after seats
        were added)."""
        round_ = self._round(claims, round_code)
        async with self.work() as uow:
            return await Repositories(uow.session).lotteries.of_round(round_.code)

    async def numbers(self, claims: Claims, round_code: str) -> list[ProgramNumbers]:
        """The round's numbers while it runs: per program of the procedure, the registrations that count
        with it as first choice, by state, beside its seats. Counted in the database, one row per program
        and state."""
        round_ = self._round(claims, round_code)
        async with self.work() as uow:
            rows = await Repositories(uow.session).registrations.first_choices(round_.code)
        counted: dict[str | None, dict[str, int]] = {}
        for program, state, count in rows:
            counted.setdefault(program, {})[state] = count
        found = [
            ProgramNumbers(
                school.brin, school.name, program.code, program.name, program.seats, counted.get(program.code, {})
            )
            for school in self.procedure.schools
            for program in school.programs
        ]
        if None in counted:
            found.append(ProgramNumbers(None, None, None, None, 0, counted[None]))
        return found

    def _round(self, claims: Claims, round_code: str) -> Round:
        return region_round(self.procedure, claims, round_code, REGION_ONLY)

    async def _unapplied(self, store: Repositories, lottery_id: UUID) -> Lottery:
        lottery = await store.lotteries.get(lottery_id, lock=True)
        if lottery is None:
            raise NotFound("no such lottery", code="lottery_not_found")
        if lottery.applied_at is not None:
            raise NotNow(
                "this lottery's result is applied already; after adding seats, take a new lottery",
                code="lottery_applied_already",
            )
        return lottery

    async def _apply(
        self, uow: UnitOfWork[Any], lottery: Lottery, market_text: str, result_text: str, *, by: str
    ) -> None:
        assignments = checked_assignments(lottery.commitment, market_text, result_text)
        store = Repositories(uow.session)
        for assignment in assignments:
            store.lotteries.add_placement(
                Placement(
                    lottery_id=lottery.id,
                    registration_id=UUID(hex=assignment.student),
                    program=assignment.program,
                    rank=assignment.rank,
                )
            )
        lottery.market, lottery.result = market_text, result_text
        lottery.applied_at, lottery.applied_by, lottery.ceremony_refusal = uow.now, by, None
        placed = sum(1 for assignment in assignments if assignment.program is not None)
        applied = LotteryApplied(
            lottery_id=lottery.id,
            round=lottery.round_code,
            result_sha256=sha256(result_text),
            placed=placed,
            unplaced=len(assignments) - placed,
            applied_at=lottery.applied_at,
        )
        await uow.emit(applied)

    async def _market(self, store: Repositories, round_: Round) -> dict[str, Any]:
        reached = (
            [RegistrationState.FORWARDED]
            if self.procedure.submission == Submission.PRIMARY_SCHOOL
            else [RegistrationState.SUBMITTED, RegistrationState.FORWARDED]
        )
        registrations = await store.registrations.counting_in(round_.code, reached)
        if not registrations:
            raise NotNow(
                f"no registration has reached a school in {round_.name} yet",
                code="market_empty",
                round=round_.code,
                round_name=round_.name,
            )
        groups = await _lot_groups(store, registrations)
        entries = [
            Entry(
                student=student_id(registration.id),
                advice=registration.advice,
                preferences=tuple(registration.preferences),
                priority_granted=registration.priority_decision == "granted",
                equivalent_program_wish=registration.equivalent_program_wish,
                group=groups.get(student_id(registration.id)),
            )
            for registration in registrations
        ]
        return market(self.procedure, round_, entries)


async def _lot_groups(store: Repositories, registrations: Sequence[Registration]) -> dict[str, str]:
    """Twins who register together share a lot (see `lot_groups`)."""
    together = [r for r in registrations if (r.multiple_birth or {}).get("registering_together")]
    if not together:
        return {}
    elk_numbers = await store.pupils.elk_numbers(r.pupil_id for r in together)
    return lot_groups(
        Together(
            student=student_id(registration.id),
            elk_number=elk_numbers.get(registration.pupil_id),
            names=str((registration.multiple_birth or {}).get("sibling_elk_number") or ""),
            first_school=registration.first_choice_brin or "",
        )
        for registration in together
    )
