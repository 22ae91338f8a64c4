"""The parent's registration, step by step, each step one unit of work.

Who may do what: the parent of the pupil (the token's `scope.pupil`) takes the steps; staff who reach
the pupil's primary school, and the region, read them. A pupil out of reach is answered as if it did
not exist. The rules themselves are in `domain/registration.py`; this module loads, asks, stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from loket.aanmelding.application.access import as_parent, reached_pupil
from loket.aanmelding.application.events import progressed, submitted, withdrawn
from loket.aanmelding.application.standing import (
    apply_list,
    begun,
    counting,
    current_of,
    in_round,
    readiness_of,
    standing,
    steps_done,
    stored_list,
)
from loket.aanmelding.domain.eligibility import Readiness, from_outside_the_region
from loket.aanmelding.domain.procedure import Procedure, Submission
from loket.aanmelding.domain.registration import (
    PreferenceList,
    Problem,
    RegistrationOutcome,
    RegistrationState,
    Step,
    StepsMissing,
    check_preferences,
    missing_steps,
    open_round,
    registration_round,
)
from loket.aanmelding.persistence.models import Placement, PupilEligibility, Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid, NotNow
from loket.contracts.events.aanmelding import RegistrationStep
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.contracts.tokens import Claims, Role


@dataclass(frozen=True)
class View:
    """A registration as the caller may see it, with what aanmelding knows of the pupil: `current` the one
    that counts now, `history` every other (withdrawn, ended, and an earlier round's that is over)."""

    readiness: Readiness | None
    advice: str | None
    current: Registration | None
    steps: dict[Step, bool]
    history: list[Registration]
    placement: Placement | None = None  # for a parent only from the round's publication moment on
    placements: dict[UUID, Placement] = field(default_factory=dict)  # each one's, as `placement`
    outcomes: dict[UUID, RegistrationOutcome | None] = field(default_factory=dict)
    open_round: str | None = None  # the round whose registration window is open now
    can_start: bool = False  # POST …/registration would begin a new registration in `open_round`


_CHECKED: dict[tuple[str, bool], RegistrationStep] = {
    ("pupil", True): "pupil_checked",
    ("pupil", False): "pupil_correction_requested",
    ("contact", True): "contact_checked",
    ("contact", False): "contact_correction_requested",
}


class Registrations:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def view(self, claims: Claims, pupil_id: UUID) -> View:
        async with self.work() as uow:
            store = Repositories(uow.session)
            eligibility = await reached_pupil(store, claims, pupil_id)
            return await self._view(store, claims, pupil_id, eligibility, uow.now)

    async def _view(
        self, store: Repositories, claims: Claims, pupil_id: UUID, eligibility: PupilEligibility | None, now: datetime
    ) -> View:
        """The pupil's registrations as the caller sees them now; each step answers with it, as it left them."""
        registrations, placed, outcomes = await standing(store, self.procedure, pupil_id, now)
        current = current_of(self.procedure, registrations, outcomes, now)
        if claims.role == Role.PARENT:  # every parent of a round sees its result at the same moment, not earlier
            placed = {
                registration.id: placed[registration.id]
                for registration in registrations
                if registration.id in placed and now >= self.procedure.round(registration.round_code).publication_at
            }
        try:
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            can_start = in_round(self.procedure, registrations, outcomes, round_, now) is None
        except NotNow:
            can_start = False
        opened = open_round(self.procedure, now)
        return View(
            placement=placed.get(current.id) if current else None,
            readiness=readiness_of(eligibility),
            advice=eligibility.advice if eligibility else None,
            current=current,
            steps=steps_done(current, eligibility) if current else {},
            history=[registration for registration in registrations if registration is not current],
            placements=placed,
            outcomes=outcomes,
            open_round=opened.code if opened else None,
            can_start=can_start,
        )

    async def start(self, claims: Claims, pupil_id: UUID) -> tuple[View, bool]:
        """Begin (or resume) the registration of the round open now; True when it is new. After a
        withdrawal the new one starts from the withdrawn list, to be checked and signed again. A pupil
        whose registration of an earlier round is over (not placed, never submitted, ended by the school)
        begins one in the new round; one who is placed, or waits for the earlier round's result, does not."""
        async with self.work() as uow:
            now, store = uow.now, Repositories(uow.session)
            eligibility = await as_parent(store, claims, pupil_id)
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            registrations, _, outcomes = await standing(store, self.procedure, pupil_id, now)
            active = in_round(self.procedure, registrations, outcomes, round_, now)
            if active is not None:
                return await self._view(store, claims, pupil_id, eligibility, now), False
            assert eligibility is not None and eligibility.advice is not None
            earlier = next((r for r in registrations if r.round_code == round_.code), None)
            registration = begun(eligibility, round_.code, claims.sub, now)
            if earlier is not None:
                registration.preferences = list(earlier.preferences)
                registration.first_choice_brin = earlier.first_choice_brin
                registration.priority, registration.multiple_birth = earlier.priority, earlier.multiple_birth
                registration.equivalent_program_wish, registration.outside_region = (
                    earlier.equivalent_program_wish,
                    earlier.outside_region,
                )
                registration.preferences_at = now
            store.registrations.add(registration)
            await uow.emit(progressed(registration, "started", now))
            return await self._view(store, claims, pupil_id, eligibility, now), True

    async def check_pupil(self, claims: Claims, pupil_id: UUID, correct: bool, correction: str | None) -> View:
        return await self._check(claims, pupil_id, "pupil", correct, correction)

    async def check_contact(self, claims: Claims, pupil_id: UUID, correct: bool, correction: str | None) -> View:
        return await self._check(claims, pupil_id, "contact", correct, correction)

    async def _check(self, claims: Claims, pupil_id: UUID, what: str, correct: bool, correction: str | None) -> View:
        if not correct and not (correction and correction.strip()):
            raise Invalid(
                [Problem("correction", "say what is wrong, so the primary school can correct it", "correction_missing")]
            )
        async with self.work() as uow:
            registration, eligibility = await self._in_progress(uow, claims, pupil_id)
            checked_at = uow.now if correct else None
            note = None if correct else (correction or "").strip()
            if what == "pupil":
                registration.pupil_checked_at, registration.pupil_correction = checked_at, note
            else:
                registration.contact_checked_at, registration.contact_correction = checked_at, note
            registration.changed_at = uow.now
            await uow.emit(progressed(registration, _CHECKED[what, correct], uow.now))
            return await self._after(uow, claims, pupil_id, eligibility)

    async def rank(self, claims: Claims, pupil_id: UUID, choice: PreferenceList) -> View:
        async with self.work() as uow:
            registration, eligibility = await self._in_progress(uow, claims, pupil_id)
            await apply_list(Repositories(uow.session), self.procedure, registration, choice, eligibility, uow.now)
            await uow.emit(progressed(registration, "ranked", registration.changed_at))
            return await self._after(uow, claims, pupil_id, eligibility)

    async def sign(self, claims: Claims, pupil_id: UUID, signed_by: str) -> View:
        async with self.work() as uow:
            registration, eligibility = await self._in_progress(uow, claims, pupil_id)
            if not registration.preferences:
                raise NotNow("rank the schools first; the signature is for the list", code="preferences_missing")
            registration.signed_by = signed_by.strip()
            registration.signed_at = registration.changed_at = uow.now
            await uow.emit(progressed(registration, "signed", registration.signed_at))
            return await self._after(uow, claims, pupil_id, eligibility)

    async def submit(self, claims: Claims, pupil_id: UUID) -> View:
        async with self.work() as uow:
            registration, eligibility = await self._in_progress(uow, claims, pupil_id)
            missing = missing_steps(steps_done(registration, eligibility))
            if missing:
                raise StepsMissing(missing)
            assert eligibility.advice is not None
            problems = check_preferences(self.procedure, eligibility.advice, stored_list(registration))
            if problems:  # the advice changed since the list was made
                raise Invalid([*problems])
            registration.state = RegistrationState.SUBMITTED
            registration.submitted_at = registration.changed_at = uow.now
            if self.procedure.submission == Submission.PRIMARY_SCHOOL and from_outside_the_region(
                eligibility.elk_number
            ):  # Zaanstad: a buitenleerling's school is not in Loket to forward it, so it goes on at once
                registration.state = RegistrationState.FORWARDED
                registration.forwarded_at = registration.submitted_at
            if registration.state == RegistrationState.FORWARDED or self.procedure.submission == Submission.PARENT:
                await uow.emit(submitted(registration, registration.submitted_at))
            else:
                await uow.emit(progressed(registration, "submitted_to_primary_school", registration.submitted_at))
            return await self._after(uow, claims, pupil_id, eligibility)

    async def withdraw(self, claims: Claims, pupil_id: UUID) -> View:
        """During the registration window a parent may withdraw a submitted registration and register
        again; once the primary school forwarded it (Zaanstad) only the school can."""
        async with self.work() as uow:
            now, store = uow.now, Repositories(uow.session)
            eligibility = await as_parent(store, claims, pupil_id)
            registration = await counting(store, self.procedure, pupil_id)
            if registration is None or registration.state != RegistrationState.SUBMITTED:
                state = registration.state if registration else "none"
                raise NotNow(
                    f"only a submitted registration can be withdrawn (this one: {state})",
                    code="not_submitted",
                    state=state,
                )
            round_ = self.procedure.round(registration.round_code)
            if not round_.registration.holds(now):
                raise NotNow(
                    "the registration window is closed: ask the primary school",
                    code="window_closed",
                    round=round_.code,
                    round_name=round_.name,
                    closes=round_.registration.closes,
                )
            registration.state, registration.active = RegistrationState.WITHDRAWN, None
            registration.withdrawn_at = registration.changed_at = now
            if self.procedure.submission == Submission.PARENT:
                await uow.emit(withdrawn(registration, now))
            else:  # Zaanstad: it had not reached the secondary school yet
                await uow.emit(progressed(registration, "withdrawn_before_forwarding", now))
            return await self._view(store, claims, pupil_id, eligibility, now)

    async def _after(self, uow: UnitOfWork[Any], claims: Claims, pupil_id: UUID, eligibility: PupilEligibility) -> View:
        return await self._view(Repositories(uow.session), claims, pupil_id, eligibility, uow.now)

    async def _in_progress(
        self, uow: UnitOfWork[Any], claims: Claims, pupil_id: UUID
    ) -> tuple[Registration, PupilEligibility]:
        """The registration the parent is making in the round open now, locked for the step."""
        store = Repositories(uow.session)
        eligibility = await as_parent(store, claims, pupil_id)
        round_ = registration_round(self.procedure, readiness_of(eligibility), uow.now)
        registration = await counting(store, self.procedure, pupil_id, round_.code)
        if registration is None:
            raise NotNow("start the registration first (POST …/registration)", code="not_started")
        if registration.state != RegistrationState.IN_PROGRESS:
            raise NotNow(
                f"this registration is {registration.state}; to change it, withdraw it and register again "
                "during the registration window",
                code="already_submitted",
                state=registration.state,
            )
        assert eligibility is not None
        return registration, eligibility
