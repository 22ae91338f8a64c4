"""A round's lottery: the region takes the market from the registrations that reached their school of
first choice, asks loting to hold its ceremony, and the ceremony's result comes back over the bus and is
applied (or the region carries the files by hand, for a ceremony held elsewhere). Parents see where they
are placed from the round's publication moment on; the schools as soon as the result is applied."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.registration import Forbidden, NotFound, region_round
from loket.aanmelding.domain.market import Entry, Together, lot_groups, market
from loket.aanmelding.domain.procedure import TIME_ZONE, Procedure, Round, Submission
from loket.aanmelding.domain.registration import NotNow, Refused, RegistrationState
from loket.aanmelding.domain.result import canonical, checked_assignments, sha256
from loket.aanmelding.persistence.models import Lottery, Placement, PupilEligibility, Registration
from loket.contracts.events import LotteryApplied, LotteryCeremonyRequested, LotteryTaken, ResultIssued, RunRefused
from loket.contracts.events.loting import SeedSource
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.paging import Paging, page_statement
from loket.contracts.tokens import Claims, Role


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
    def __init__(self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock

    async def market(self, claims: Claims, round_code: str) -> dict[str, Any]:
        """The round's market as it would be taken now (a preview; nothing is kept)."""
        round_ = self._round(claims, round_code)
        async with self.database.transaction() as session:
            return await self._market(session, round_)

    async def take(self, claims: Claims, round_code: str) -> Lottery:
        """Fix the round's market for loting's ceremony: its canonical JSON and SHA-256 are kept. Not while
        parents (or, in Zaanstad, the primary schools) can still add to it: they would be left out."""
        round_ = self._round(claims, round_code)
        last = round_.forwarding.closes if round_.forwarding else round_.registration.closes
        if self.clock() < last:
            raise NotNow(
                f"registration in {round_.name} is open until {last.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}; "
                f"take the market once it has closed (GET /rounds/{round_.code}/market shows it as it is now)",
                code="registration_still_open",
                round=round_.code,
                round_name=round_.name,
                closes=last,
            )
        async with self.database.transaction() as session:
            taken = await self._market(session, round_)
            commitment = canonical(taken)
            lottery = Lottery(
                round_code=round_.code,
                commitment=commitment,
                commitment_sha256=sha256(commitment),
                taken_at=self.clock(),
                taken_by=claims.sub,
            )
            session.add(lottery)
            event = LotteryTaken(
                lottery_id=lottery.id,
                round=round_.code,
                market_sha256=lottery.commitment_sha256,
                registrations=len(taken["students"]),
                taken_at=lottery.taken_at,
            )
            await self.outbox.put(session, event)
        self.outbox.nudge()
        return lottery

    async def lottery(self, claims: Claims, lottery_id: UUID) -> Lottery:
        self._region(claims)
        async with self.database.transaction() as session:
            found = await session.get(Lottery, lottery_id)
        if found is None:
            raise NotFound("no such lottery", code="lottery_not_found")
        return found

    async def request_ceremony(
        self, claims: Claims, lottery_id: UUID, sources: Sequence[SeedSource], label: str | None
    ) -> Lottery:
        """Ask loting to hold the lottery's ceremony: it opens a run on this market, the notary enters the
        seed there, and the result comes back by itself (`result_issued`)."""
        self._region(claims)
        async with self.database.transaction() as session:
            lottery = await self._unapplied(session, lottery_id)
            if lottery.ceremony_requested_at is not None:
                asked = f"{lottery.ceremony_requested_at.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}"
                raise NotNow(
                    f"loting was asked at {asked} to hold this lottery's ceremony (its run has the same id)",
                    code="ceremony_already_requested",
                    requested_at=lottery.ceremony_requested_at,
                )
            round_ = self.procedure.round(lottery.round_code)
            taken = f"{lottery.taken_at.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}"
            lottery.ceremony_requested_at, lottery.ceremony_requested_by = self.clock(), claims.sub
            lottery.ceremony_refusal = None
            session.add(lottery)
            requested = LotteryCeremonyRequested(
                lottery_id=lottery.id,
                round=lottery.round_code,
                label=label or f"{self.procedure.region}: {round_.name}, market taken {taken}",
                market=json.loads(lottery.commitment),
                market_sha256=lottery.commitment_sha256,
                seed_sources=tuple(sources),
            )
            await self.outbox.put(session, requested)
        self.outbox.nudge()
        return lottery

    async def apply(self, claims: Claims, lottery_id: UUID, market_text: str, result_text: str) -> Lottery:
        """Apply the ceremony's result: every registration in the market gets its placement, or none."""
        self._region(claims)
        async with self.database.transaction() as session:
            lottery = await self._unapplied(session, lottery_id)
            await self._apply(session, lottery, market_text, result_text, by=claims.sub)
        self.outbox.nudge()
        return lottery

    async def result_issued(self, session: AsyncSession, issued: ResultIssued) -> Lottery | None:
        """loting's ceremony completed: apply its result to the lottery whose market its run committed to
        (the run of a requested ceremony has the lottery's id). A result that does not check out changes
        nothing and says why on the lottery; a run of another market is none of aanmelding's business."""
        query = select(Lottery).where(
            Lottery.commitment_sha256 == issued.commitment_sha256, col(Lottery.applied_at).is_(None)
        )
        if not self.database.is_sqlite:  # as `_unapplied`: a result posted by hand at the same moment waits
            query = query.with_for_update()
        waiting = (await session.exec(query)).all()
        lottery = next((found for found in waiting if found.id == issued.run_id), None) or max(
            waiting, key=lambda found: found.taken_at, default=None
        )
        if lottery is None:
            return None
        try:
            await self._apply(session, lottery, issued.market, issued.result, by="loting")
        except Refused as refused:
            lottery.ceremony_refusal = str(refused)
            session.add(lottery)
        return lottery

    async def run_refused(self, session: AsyncSession, refused: RunRefused) -> None:
        """loting could not open the lottery's run: the region sees why, and may ask again."""
        lottery = await session.get(Lottery, refused.run_id)
        if lottery is None or lottery.applied_at is not None:
            return
        lottery.ceremony_refusal = f"loting opened no run: {refused.reason}"
        lottery.ceremony_requested_at = lottery.ceremony_requested_by = None
        session.add(lottery)

    async def _unapplied(self, session: AsyncSession, lottery_id: UUID) -> Lottery:
        lottery = await session.get(Lottery, lottery_id, with_for_update=not self.database.is_sqlite)
        if lottery is None:
            raise NotFound("no such lottery", code="lottery_not_found")
        if lottery.applied_at is not None:
            raise NotNow(
                "this lottery's result is applied already; after adding seats, take a new lottery",
                code="lottery_applied_already",
            )
        return lottery

    async def _apply(
        self, session: AsyncSession, lottery: Lottery, market_text: str, result_text: str, *, by: str
    ) -> None:
        assignments = checked_assignments(lottery.commitment, market_text, result_text)
        for assignment in assignments:
            session.add(
                Placement(
                    lottery_id=lottery.id,
                    registration_id=UUID(hex=assignment.student),
                    program=assignment.program,
                    rank=assignment.rank,
                )
            )
        lottery.market, lottery.result = market_text, result_text
        lottery.applied_at, lottery.applied_by, lottery.ceremony_refusal = self.clock(), by, None
        session.add(lottery)
        placed = sum(1 for assignment in assignments if assignment.program is not None)
        applied = LotteryApplied(
            lottery_id=lottery.id,
            round=lottery.round_code,
            result_sha256=sha256(result_text),
            placed=placed,
            unplaced=len(assignments) - placed,
            applied_at=lottery.applied_at,
        )
        await self.outbox.put(session, applied)

    async def unplaced(
        self, claims: Claims, lottery_id: UUID, paging: Paging | None = None
    ) -> tuple[list[tuple[Registration, bool]], int]:
        """The registrations the lottery left without a place (a page of them, and how many in all), each
        with whether its list was as long as the rule asks (then the remedy is seats and a new lottery,
        never a hand edit of the result)."""
        lottery = await self.lottery(claims, lottery_id)
        if lottery.applied_at is None:
            raise NotNow("this lottery's result is not applied yet", code="lottery_not_applied")
        query = (
            select(Registration)
            .join(Placement, col(Placement.registration_id) == col(Registration.id))
            .where(Placement.lottery_id == lottery.id, col(Placement.program).is_(None))
        )
        columns = {
            "id": cast(ColumnElement[Any], col(Registration.id)),
            "primary_school": cast(ColumnElement[Any], col(Registration.school_brin)),
        }
        page, counted = page_statement(query, paging or Paging(), columns, "id")
        async with self.database.transaction() as session:
            found = (await session.exec(page)).all()  # type: ignore[call-overload]
            total = (await session.execute(counted)).scalar_one()
        return [
            (registration, len(registration.preferences) >= self.procedure.required_length(registration.advice)[0])
            for registration in found
        ], int(total)

    async def of_round(self, claims: Claims, round_code: str) -> list[Lottery]:
        """The round's lotteries, the last taken first (a lottery is applied once; a new one after seats
        were added)."""
        round_ = self._round(claims, round_code)
        async with self.database.transaction() as session:
            query = select(Lottery).where(Lottery.round_code == round_.code).order_by(col(Lottery.taken_at).desc())
            return list((await session.exec(query)).all())

    async def numbers(self, claims: Claims, round_code: str) -> list[ProgramNumbers]:
        """The round's numbers while it runs: per program of the procedure, the registrations that count
        with it as first choice, by state, beside its seats. Counted in the database, one row per program
        and state."""
        round_ = self._round(claims, round_code)
        first_program = col(Registration.preferences)[0].as_string()
        query = (
            select(first_program, Registration.state, func.count())
            .where(Registration.round_code == round_.code, col(Registration.active).is_(True))
            .group_by(first_program, Registration.state)
        )
        async with self.database.transaction() as session:
            rows = (await session.exec(query)).all()
        counted: dict[str | None, dict[str, int]] = {}
        for program, state, count in rows:
            counted.setdefault(program, {})[state] = int(count)
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

    @staticmethod
    def _region(claims: Claims) -> None:
        if claims.role != Role.REGION_ADMIN or claims.act is not None:
            raise Forbidden(REGION_ONLY, code="region_only")

    async def _market(self, session: AsyncSession, round_: Round) -> dict[str, Any]:
        reached = (
            [RegistrationState.FORWARDED]
            if self.procedure.submission == Submission.PRIMARY_SCHOOL
            else [RegistrationState.SUBMITTED, RegistrationState.FORWARDED]
        )
        query = select(Registration).where(
            Registration.round_code == round_.code,
            col(Registration.active).is_(True),
            col(Registration.state).in_(reached),
        )
        registrations = (await session.exec(query)).all()
        if not registrations:
            raise NotNow(
                f"no registration has reached a school in {round_.name} yet",
                code="market_empty",
                round=round_.code,
                round_name=round_.name,
            )
        groups = await _lot_groups(session, registrations)
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


async def _lot_groups(session: AsyncSession, registrations: Sequence[Registration]) -> dict[str, str]:
    """Twins who register together share a lot (see `lot_groups`)."""
    together = [r for r in registrations if (r.multiple_birth or {}).get("registering_together")]
    if not together:
        return {}
    pupils = [r.pupil_id for r in together]
    query = select(PupilEligibility).where(col(PupilEligibility.pupil_id).in_(pupils))
    elk_numbers = {pupil.pupil_id: pupil.elk_number for pupil in (await session.exec(query)).all()}
    return lot_groups(
        Together(
            student=student_id(registration.id),
            elk_number=elk_numbers.get(registration.pupil_id),
            names=str((registration.multiple_birth or {}).get("sibling_elk_number") or ""),
            first_school=registration.first_choice_brin or "",
        )
        for registration in together
    )


def commitment_document(lottery: Lottery) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(lottery.commitment)
    return document
