"""The primary school's side of a registration, each step one transaction.

The primary school follows its pupils (the dots per round, and a registration a secondary school ended),
forwards the lists parents submitted to it where the procedure says so (Zaanstad, "aanmelding definitief
maken"), may change such a list only with the parent's consent, which is recorded, and enters the paper
form for parents who cannot register online. The region sees every registration a school ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.events import progressed, submitted
from loket.aanmelding.application.registration import (
    NotFound,
    active_registration,
    apply_list,
    begun,
    in_round,
    readiness_of,
    region_round,
    standing,
)
from loket.aanmelding.application.secondary_school import reach
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
from loket.aanmelding.persistence.models import PupilEligibility, Registration
from loket.aanmelding.persistence.teaching import own_groups, sees_pupil
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims


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


class PrimarySchools:
    def __init__(self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock

    async def pupils(
        self, claims: Claims, brin: str, group: str | None = None, only: Sequence[UUID] | None = None
    ) -> list[PupilStatus]:
        """The school's pupils that aanmelding knows, with their registration per round (the dots); a
        teacher of some groups: the pupils of those groups."""
        reach(claims, brin)
        async with self.database.transaction() as session:
            of_school = select(PupilEligibility).where(PupilEligibility.school_brin == brin)
            if limited := await own_groups(session, claims, brin):
                of_school = of_school.where(col(PupilEligibility.group_name).in_(limited))
            if group is not None:
                of_school = of_school.where(PupilEligibility.group_name == group)
            if only is not None:
                of_school = of_school.where(col(PupilEligibility.pupil_id).in_(only))
            pupils = (await session.exec(of_school)).all()
            query = select(Registration).where(Registration.school_brin == brin, col(Registration.active).is_(True))
            if only is not None:
                query = query.where(col(Registration.pupil_id).in_(only))
            registrations = (await session.exec(query)).all()
            ended_query = select(Registration).where(
                col(Registration.pupil_id).in_([pupil.pupil_id for pupil in pupils]),
                col(Registration.withdrawal_reason).is_not(None),
            )
            ended_by_schools = (await session.exec(ended_query)).all()
        by_pupil: dict[UUID, dict[str, Registration]] = {}
        for registration in registrations:
            by_pupil.setdefault(registration.pupil_id, {})[registration.round_code] = registration
        ended: dict[UUID, dict[str, Registration]] = {}
        for registration in sorted(ended_by_schools, key=ended_at):
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
        region_round(self.procedure, claims, round_code, "only the region sees every school's ended registrations")
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
        ordered = sorted(found, key=ended_at)
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
                [
                    Problem(
                        "consent",
                        "a change by the primary school needs the parent's consent: who gave it, and how",
                        "consent_missing",
                    )
                ]
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
            raise Refused(
                [Problem("signed_by", "the name of the parent who signed the paper form", "signed_by_missing")]
            )
        now = self.clock()
        async with self.database.transaction() as session:
            eligibility = await self._pupil_of_mine(session, claims, pupil_id)
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            registrations, _, outcomes = await standing(session, self.procedure, pupil_id, now)
            registration = in_round(self.procedure, registrations, outcomes, round_, now)
            if registration is not None and registration.state != RegistrationState.IN_PROGRESS:
                raise NotNow(
                    f"the parents' registration is {registration.state} already",
                    code="already_submitted",
                    state=registration.state,
                )
            if registration is None:
                registration = begun(eligibility, round_.code, claims.sub, now)
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
            raise NotFound("no such pupil", code="pupil_not_found")
        reach(claims, eligibility.school_brin, act=True)
        if not await sees_pupil(session, claims, eligibility):
            raise NotFound("no such pupil in your groups", code="pupil_not_in_your_groups")
        return eligibility

    async def _at_primary_school(self, session: AsyncSession, claims: Claims, pupil_id: UUID) -> Registration:
        await self._pupil_of_mine(session, claims, pupil_id)
        if self.procedure.submission != Submission.PRIMARY_SCHOOL:
            raise NotNow(
                "in this region the parent submits to the secondary school; the primary school does not forward",
                code="no_forwarding_in_region",
            )
        registration = await active_registration(session, self.procedure, pupil_id)
        if registration is None or registration.state != RegistrationState.SUBMITTED:
            state = registration.state if registration else "none"
            raise NotNow(
                f"only a list the parent submitted, not yet forwarded, can be forwarded or changed (this one: {state})",
                code="not_submitted",
                state=state,
            )
        round_ = self.procedure.round(registration.round_code)
        window = round_.forwarding or round_.registration
        if not window.holds(self.clock()):
            raise NotNow(
                f"the forwarding window of {round_.name} is {window.opens:{TIME}} to {window.closes:{TIME}}",
                code="outside_forwarding_window",
                round=round_.code,
                round_name=round_.name,
                opens=window.opens,
                closes=window.closes,
            )
        return registration


def ended_at(registration: Registration) -> datetime:
    return registration.withdrawn_at or registration.changed_at
