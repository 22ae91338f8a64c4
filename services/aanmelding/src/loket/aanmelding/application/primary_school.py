"""The primary school's side of a registration, each step one unit of work.

The primary school follows its pupils (the dots per round, and a registration a secondary school ended),
forwards the lists parents submitted to it where the procedure says so (Zaanstad, "aanmelding definitief
maken"), may change such a list only with the parent's consent, which is recorded, and enters the paper
form for parents who cannot register online. The region sees every registration a school ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from loket.aanmelding.application.access import pupil_of_mine, reach, region_round
from loket.aanmelding.application.events import progressed, submitted
from loket.aanmelding.application.standing import apply_list, begun, counting, in_round, readiness_of, standing
from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import TIME, PreferenceList, Problem, RegistrationState, registration_round
from loket.aanmelding.persistence.models import Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid, NotNow
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
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
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def pupils(
        self, claims: Claims, brin: str, group: str | None = None, only: Sequence[UUID] | None = None
    ) -> list[PupilStatus]:
        """The school's pupils that aanmelding knows, with their registration per round (the dots); a
        teacher of some groups: the pupils of those groups."""
        reach(claims, brin)
        async with self.work() as uow:
            store = Repositories(uow.session)
            limited = await store.teaching.own_groups(claims, brin)
            pupils = await store.pupils.at_school(brin, groups=limited, group=group, only=only)
            registrations = await store.registrations.counting_at_primary_school(brin, only)
            ended_by_schools = await store.registrations.ended_by_schools(pupil.pupil_id for pupil in pupils)
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
        async with self.work() as uow:
            store = Repositories(uow.session)
            found = await store.registrations.ended_by_schools_in(round_code)
            again = await store.registrations.registered_in(round_code, (r.pupil_id for r in found))
        return [(registration, registration.pupil_id in again) for registration in sorted(found, key=ended_at)]

    async def forward(self, claims: Claims, pupil_id: UUID) -> Registration:
        """Zaanstad: make the parent's list final at the secondary school of first choice."""
        async with self.work() as uow:
            registration = await self._at_primary_school(uow, claims, pupil_id)
            registration.state = RegistrationState.FORWARDED
            registration.forwarded_at = registration.changed_at = uow.now
            registration.forwarded_by = claims.sub
            await uow.emit(submitted(registration, registration.forwarded_at))
        return registration

    async def change(
        self, claims: Claims, pupil_id: UUID, choice: PreferenceList, consent: Consent | None
    ) -> Registration:
        """Zaanstad: the primary school changes a submitted list before forwarding it, only with the
        parent's consent; the change and the consent are kept with the list as it was."""
        if consent is None or not consent.given_by.strip() or not consent.how.strip():
            what = "a change by the primary school needs the parent's consent: who gave it, and how"
            raise Invalid([Problem("consent", what, "consent_missing")])
        async with self.work() as uow:
            store, now = Repositories(uow.session), uow.now
            registration = await self._at_primary_school(uow, claims, pupil_id)
            eligibility = await store.pupils.get(pupil_id)
            assert eligibility is not None and eligibility.advice is not None
            before = list(registration.preferences)
            await apply_list(store, self.procedure, registration, choice, eligibility, now)
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
            await uow.emit(progressed(registration, "changed_by_primary_school", now, by_primary_school=True))
        return registration

    async def paper_form(self, claims: Claims, pupil_id: UUID, choice: PreferenceList, signed_by: str) -> Registration:
        """The paper form, where a parent cannot register online: the primary school enters the list the
        parents filled in and signed, on their behalf; it is submitted at once, as the parents' own."""
        if not signed_by.strip():
            raise Invalid(
                [Problem("signed_by", "the name of the parent who signed the paper form", "signed_by_missing")]
            )
        async with self.work() as uow:
            store, now = Repositories(uow.session), uow.now
            eligibility = await pupil_of_mine(store, claims, pupil_id)
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            # locked as the parent's steps lock it: a parent's step at the same moment waits, then sees this
            await counting(store, self.procedure, pupil_id, round_.code)
            registrations, _, outcomes = await standing(store, self.procedure, pupil_id, now)
            registration = in_round(self.procedure, registrations, outcomes, round_, now)
            if registration is not None and registration.state != RegistrationState.IN_PROGRESS:
                raise NotNow(
                    f"the parents' registration is {registration.state} already",
                    code="already_submitted",
                    state=registration.state,
                )
            if registration is None:
                registration = begun(eligibility, round_.code, claims.sub, now)
                store.registrations.add(registration)
            await apply_list(store, self.procedure, registration, choice, eligibility, now)
            registration.pupil_checked_at = registration.contact_checked_at = now  # on the paper form
            registration.pupil_correction = registration.contact_correction = None
            registration.signed_by, registration.signed_at = signed_by.strip(), now
            registration.state, registration.submitted_at, registration.paper_form_by = (
                RegistrationState.SUBMITTED,
                now,
                claims.sub,
            )
            if self.procedure.submission == Submission.PARENT:
                await uow.emit(submitted(registration, now))
            else:  # Zaanstad: the primary school forwards it in its window, like a list the parents submitted
                await uow.emit(progressed(registration, "submitted_to_primary_school", now, by_primary_school=True))
        return registration

    async def _at_primary_school(self, uow: UnitOfWork[Any], claims: Claims, pupil_id: UUID) -> Registration:
        store = Repositories(uow.session)
        await pupil_of_mine(store, claims, pupil_id)
        if self.procedure.submission != Submission.PRIMARY_SCHOOL:
            raise NotNow(
                "in this region the parent submits to the secondary school; the primary school does not forward",
                code="no_forwarding_in_region",
            )
        registration = await counting(store, self.procedure, pupil_id)
        if registration is None or registration.state != RegistrationState.SUBMITTED:
            state = registration.state if registration else "none"
            raise NotNow(
                f"only a list the parent submitted, not yet forwarded, can be forwarded or changed (this one: {state})",
                code="not_submitted",
                state=state,
            )
        round_ = self.procedure.round(registration.round_code)
        window = round_.forwarding or round_.registration
        if not window.holds(uow.now):
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
