"""The schools' side of a registration, each step one transaction.

The primary school follows its pupils (the dots per round), forwards the lists parents submitted to it
where the procedure says so (Zaanstad, "aanmelding definitief maken"), and may change such a list only
with the parent's consent, which is recorded. The secondary school of first choice sees the
registrations made with it and grants or rejects a priority claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import (
    TIME,
    NotNow,
    PreferenceList,
    Problem,
    Refused,
    RegistrationState,
    registration_round,
)
from loket.aanmelding.events import progressed, submitted, withdrawn
from loket.aanmelding.persistence.models import Placement, PupilEligibility, Registration
from loket.aanmelding.persistence.placements import placed_at, placements
from loket.aanmelding.persistence.teaching import own_groups, sees_pupil
from loket.aanmelding.registrations import (
    Forbidden,
    NotFound,
    apply_list,
    readiness_of,
    refuse_group_limited,
)
from loket.contracts.events import PlacedBySchool, PriorityClaimDecided, RegistrationEndedBySchool, TafelmiddagMarked
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, Role

SCHOOL_STAFF = (Role.SCHOOL_ADMIN, Role.SCHOOL_USER)


@dataclass(frozen=True)
class Consent:
    """The parent agreed to a change the primary school makes: who, and how (on paper, by phone…)."""

    given_by: str
    how: str


@dataclass(frozen=True)
class PupilStatus:
    pupil_id: UUID
    group: str | None
    readiness: Readiness | None
    advice: str | None
    by_round: dict[str, Registration]  # the registration that counts in each round
    ended: dict[str, Registration]  # per round with no registration that counts: the one a school ended last


class Schools:
    def __init__(self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock

    # The primary school.

    async def pupils(self, claims: Claims, brin: str, group: str | None = None) -> list[PupilStatus]:
        """The school's pupils that aanmelding knows, with their registration per round (the dots); a
        teacher of some groups: the pupils of those groups."""
        _reach(claims, brin)
        async with self.database.transaction() as session:
            of_school = select(PupilEligibility).where(PupilEligibility.school_brin == brin)
            if limited := await own_groups(session, claims, brin):
                of_school = of_school.where(col(PupilEligibility.group_name).in_(limited))
            if group is not None:
                of_school = of_school.where(PupilEligibility.group_name == group)
            pupils = (await session.exec(of_school)).all()
            query = select(Registration).where(Registration.school_brin == brin, col(Registration.active).is_(True))
            registrations = (await session.exec(query)).all()
            ended_query = select(Registration).where(
                Registration.school_brin == brin, col(Registration.withdrawal_reason).is_not(None)
            )
            ended_by_schools = (await session.exec(ended_query)).all()
        by_pupil: dict[UUID, dict[str, Registration]] = {}
        for registration in registrations:
            by_pupil.setdefault(registration.pupil_id, {})[registration.round_code] = registration
        ended: dict[UUID, dict[str, Registration]] = {}
        for registration in sorted(ended_by_schools, key=lambda registration: registration.changed_at):
            if registration.round_code not in by_pupil.get(registration.pupil_id, {}):
                ended.setdefault(registration.pupil_id, {})[registration.round_code] = registration
        return [
            PupilStatus(
                pupil.pupil_id,
                pupil.group_name,
                readiness_of(pupil),
                pupil.advice,
                by_pupil.get(pupil.pupil_id, {}),
                ended.get(pupil.pupil_id, {}),
            )
            for pupil in sorted(pupils, key=lambda pupil: (pupil.group_name or "", str(pupil.pupil_id)))
        ]

    async def ended_by_schools(self, claims: Claims, round_code: str) -> list[tuple[Registration, bool]]:
        """The region: the round's registrations a secondary school ended (cannot place for support needs,
        or the pupil will not come), oldest first, each with whether the pupil has registered again."""
        if claims.role != Role.REGION_ADMIN or claims.act is not None:
            raise Forbidden("only the region sees every school's ended registrations")
        if round_code not in {round_.code for round_ in self.procedure.rounds}:
            raise NotFound(f"no round {round_code!r} in this procedure")
        async with self.database.transaction() as session:
            query = select(Registration).where(
                Registration.round_code == round_code, col(Registration.withdrawal_reason).is_not(None)
            )
            found = (await session.exec(query)).all()
            again_query = select(Registration.pupil_id).where(
                Registration.round_code == round_code,
                col(Registration.active).is_(True),
                col(Registration.pupil_id).in_([registration.pupil_id for registration in found]),
            )
            registered_again = set((await session.exec(again_query)).all())
        ordered = sorted(found, key=lambda registration: registration.withdrawn_at or registration.changed_at)
        return [(registration, registration.pupil_id in registered_again) for registration in ordered]

    async def forward(self, claims: Claims, pupil_id: UUID) -> Registration:
        """Zaanstad: make the parent's list final at the secondary school of first choice."""
        async with self.database.transaction() as session:
            registration = await self._at_primary_school(session, claims, pupil_id)
            registration.state = RegistrationState.FORWARDED
            registration.forwarded_at = registration.changed_at = self.clock()
            registration.forwarded_by = claims.sub
            session.add(registration)
            await self.outbox.put(session, submitted(registration, registration.forwarded_at))
        self.outbox.nudge()
        return registration

    async def change(
        self, claims: Claims, pupil_id: UUID, choice: PreferenceList, consent: Consent | None
    ) -> Registration:
        """Zaanstad: the primary school changes a submitted list before forwarding it, only with the
        parent's consent; the change and the consent are kept with the list as it was."""
        if consent is None or not consent.given_by.strip() or not consent.how.strip():
            raise Refused(
                [Problem("consent", "a change by the primary school needs the parent's consent: who gave it, and how")]
            )
        async with self.database.transaction() as session:
            registration = await self._at_primary_school(session, claims, pupil_id)
            eligibility = await session.get(PupilEligibility, pupil_id)
            assert eligibility is not None and eligibility.advice is not None
            before = list(registration.preferences)
            now = self.clock()
            await apply_list(session, self.procedure, registration, choice, eligibility, now)
            registration.school_changes = [
                *registration.school_changes,
                {
                    "at": now.isoformat(),
                    "by": claims.sub,
                    "consent_given_by": consent.given_by.strip(),
                    "consent_how": consent.how.strip(),
                    "before": before,
                    "after": list(choice.programs),
                },
            ]
            session.add(registration)
            change = progressed(registration, "changed_by_primary_school", now, by_primary_school=True)
            await self.outbox.put(session, change)
        self.outbox.nudge()
        return registration

    async def paper_form(self, claims: Claims, pupil_id: UUID, choice: PreferenceList, signed_by: str) -> Registration:
        """The paper form, where a parent cannot register online: the primary school enters the list the
        parents filled in and signed, on their behalf; it is submitted at once, as the parents' own."""
        if not signed_by.strip():
            raise Refused([Problem("signed_by", "the name of the parent who signed the paper form")])
        now = self.clock()
        async with self.database.transaction() as session:
            eligibility = await self._pupil_of_mine(session, claims, pupil_id)
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            registration = await _active(session, pupil_id)
            if registration is not None and registration.state != RegistrationState.IN_PROGRESS:
                raise NotNow(f"the parents' registration is {registration.state} already")
            assert eligibility.advice is not None
            if registration is None:
                registration = Registration(
                    pupil_id=pupil_id,
                    school_brin=eligibility.school_brin,
                    round_code=round_.code,
                    state=RegistrationState.IN_PROGRESS,
                    advice=eligibility.advice,
                    started_at=now,
                    started_by=claims.sub,
                    changed_at=now,
                )
            await apply_list(session, self.procedure, registration, choice, eligibility, now)
            registration.pupil_checked_at = registration.contact_checked_at = now  # on the paper form
            registration.pupil_correction = registration.contact_correction = None
            registration.signed_by, registration.signed_at = signed_by.strip(), now
            registration.state, registration.submitted_at, registration.paper_form_by = (
                RegistrationState.SUBMITTED,
                now,
                claims.sub,
            )
            session.add(registration)
            if self.procedure.submission == Submission.PARENT:
                await self.outbox.put(session, submitted(registration, now))
            else:  # Zaanstad: the primary school forwards it in its window, like a list the parents submitted
                on_paper = progressed(registration, "submitted_to_primary_school", now, by_primary_school=True)
                await self.outbox.put(session, on_paper)
        self.outbox.nudge()
        return registration

    async def _pupil_of_mine(self, session: AsyncSession, claims: Claims, pupil_id: UUID) -> PupilEligibility:
        """A pupil of the caller's primary school (a teacher of some groups: of one of them), to act on."""
        eligibility = await session.get(PupilEligibility, pupil_id)
        if eligibility is None:
            raise NotFound("no such pupil")
        _reach(claims, eligibility.school_brin, act=True)
        if not await sees_pupil(session, claims, eligibility):
            raise NotFound("no such pupil in your groups")
        return eligibility

    async def _at_primary_school(self, session: AsyncSession, claims: Claims, pupil_id: UUID) -> Registration:
        await self._pupil_of_mine(session, claims, pupil_id)
        if self.procedure.submission != Submission.PRIMARY_SCHOOL:
            raise NotNow(
                "in this region the parent submits to the secondary school; the primary school does not forward"
            )
        registration = await _active(session, pupil_id)
        if registration is None or registration.state != RegistrationState.SUBMITTED:
            state = registration.state if registration else "none"
            raise NotNow(
                f"only a list the parent submitted, not yet forwarded, can be forwarded or changed (this one: {state})"
            )
        round_ = self.procedure.round(registration.round_code)
        window = round_.forwarding or round_.registration
        if not window.holds(self.clock()):
            raise NotNow(f"the forwarding window of {round_.name} is {window.opens:{TIME}} to {window.closes:{TIME}}")
        return registration

    # The secondary school of first choice.

    async def received(self, claims: Claims, brin: str) -> list[tuple[Registration, Placement | None]]:
        """The registrations made with this school (its first choice), oldest first, and after a lottery
        also those it placed here from another first choice; each with its placement."""
        _reach(claims, brin, secondary=True)
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
        ordered = sorted(found.values(), key=lambda found: found.forwarded_at or found.submitted_at or found.started_at)
        return [(registration, placed.get(registration.id)) for registration in ordered]

    async def withdrawn(self, claims: Claims, brin: str) -> list[Registration]:
        """Registrations that reached this school and were withdrawn or voided since (the Terugtrekkers)."""
        _reach(claims, brin, secondary=True)
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.state).in_([RegistrationState.WITHDRAWN, RegistrationState.VOIDED]),
            col(Registration.submitted_at).is_not(None),
        )
        async with self.database.transaction() as session:
            found = (await session.exec(query)).all()
        return sorted(found, key=lambda registration: registration.withdrawn_at or registration.started_at)

    async def decide_priority(self, claims: Claims, registration_id: UUID, granted: bool) -> Registration:
        """Grant or reject the priority claimed at this school; until the round's lottery it may be changed."""
        async with self.database.transaction() as session:
            registration = await session.get(Registration, registration_id, with_for_update=not self.database.is_sqlite)
            if registration is None or registration.first_choice_brin is None or not self._reached(registration):
                raise NotFound("no such registration with your school")
            _reach(claims, registration.first_choice_brin, act=True, secondary=True)
            if registration.priority is None:
                raise NotNow("no priority was claimed in this registration")
            round_ = self.procedure.round(registration.round_code)
            if self.clock() >= round_.lottery_at:
                raise NotNow(f"the lottery of {round_.name} has run; a decision can no longer change")
            registration.priority_decision = "granted" if granted else "rejected"
            registration.priority_decided_at = registration.changed_at = self.clock()
            registration.priority_decided_by = claims.sub
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
            raise Refused([Problem("reason", "say why, for the primary school and the region")])
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
            raise NotFound("no such registration with your school")
        placement = (await placements(session, [registration.id])).get(registration.id)
        programs = self.procedure.programs()
        placed_school = programs[placement.program][0].brin if placement and placement.program in programs else None
        schools = [brin for brin in (registration.first_choice_brin, placed_school) if brin]
        reached = [brin for brin in schools if claims.reaches_school(brin)]
        if not reached:
            raise NotFound("no such registration with your school")
        _reach(claims, reached[0], act=act, secondary=True)
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

    async def _received_in(self, session: AsyncSession, brin: str) -> list[Registration]:
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.active).is_(True),
            col(Registration.state).in_(self._states()),
        )
        return list((await session.exec(query)).all())


def _reach(claims: Claims, brin: str, *, act: bool = False, secondary: bool = False) -> None:
    if not claims.reaches_school(brin):
        raise NotFound("no such school within your reach")
    if secondary:
        refuse_group_limited(claims)
    if act and claims.role not in SCHOOL_STAFF:
        raise Forbidden(f"a {claims.role} reads along; the school's own staff decide")


async def _active(session: AsyncSession, pupil_id: UUID) -> Registration | None:
    query = select(Registration).where(Registration.pupil_id == pupil_id, col(Registration.active).is_(True))
    return (await session.exec(query)).first()
