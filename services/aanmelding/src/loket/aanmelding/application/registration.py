"""The parent's registration, step by step, each step one transaction.

Who may do what: the parent of the pupil (the token's `scope.pupil`) takes the steps; staff who reach
the pupil's primary school, and the region, read them. A pupil out of reach is answered as if it did
not exist. The rules themselves are in `domain/registration.py`; this module loads, checks, stores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.events import progressed, submitted, withdrawn
from loket.aanmelding.domain.eligibility import Eligibility, Readiness, from_outside_the_region
from loket.aanmelding.domain.procedure import TIME_ZONE, Procedure, Round, Submission
from loket.aanmelding.domain.registration import (
    TIME,
    Coded,
    MultipleBirth,
    NotNow,
    PreferenceList,
    PriorityClaim,
    Problem,
    Refused,
    RegistrationOutcome,
    RegistrationState,
    Step,
    check_preferences,
    missing_steps,
    open_round,
    registration_outcome,
    registration_round,
    still_counts,
)
from loket.aanmelding.persistence.models import Placement, PupilEligibility, Registration
from loket.aanmelding.persistence.placements import placements
from loket.aanmelding.persistence.teaching import sees_pupil
from loket.contracts.events.aanmelding import RegistrationStep
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, Role


class NotFound(Coded):
    """No such pupil within the caller's reach (HTTP 404)."""


class Forbidden(Coded):
    """The caller reaches the pupil but may not take this step (HTTP 403)."""


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


def steps_done(registration: Registration, eligibility: PupilEligibility | None) -> dict[Step, bool]:
    outdated = eligibility.form_outdated_at if eligibility else None

    def checked(at: datetime | None) -> bool:  # a check before the school changed the details counts no more
        return at is not None and (outdated is None or at > outdated)

    signed = registration.signed_at is not None and (
        registration.preferences_at is None or registration.signed_at >= registration.preferences_at
    )
    return {
        Step.PUPIL_CHECKED: checked(registration.pupil_checked_at),
        Step.CONTACT_CHECKED: checked(registration.contact_checked_at),
        Step.PREFERENCES: bool(registration.preferences),
        Step.SIGNED: signed,
    }


def readiness_of(eligibility: PupilEligibility | None) -> Readiness | None:
    if eligibility is None:
        return None
    return Eligibility(
        eligibility.advice, eligibility.advice_given_at, eligibility.form_outdated_at, eligibility.form_prepared_at
    ).readiness


class Registrations:
    def __init__(
        self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock or (lambda: datetime.now(UTC))

    async def view(self, claims: Claims, pupil_id: UUID) -> View:
        now = self.clock()
        async with self.database.transaction() as session:
            eligibility = await self._reached(session, claims, pupil_id)
            registrations, placed, outcomes = await standing(session, self.procedure, pupil_id, now)
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

    async def start(self, claims: Claims, pupil_id: UUID) -> tuple[Registration, bool]:
        """Begin (or resume) the registration of the round open now; True when it is new. After a
        withdrawal the new one starts from the withdrawn list, to be checked and signed again. A pupil
        whose registration of an earlier round is over (not placed, never submitted, ended by the school)
        begins one in the new round; one who is placed, or waits for the earlier round's result, does not."""
        now = self.clock()
        async with self.database.transaction() as session:
            eligibility = await self._as_parent(session, claims, pupil_id)
            round_ = registration_round(self.procedure, readiness_of(eligibility), now)
            registrations, _, outcomes = await standing(session, self.procedure, pupil_id, now)
            active = in_round(self.procedure, registrations, outcomes, round_, now)
            if active is not None:
                return active, False
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
            session.add(registration)
            await self.outbox.put(session, progressed(registration, "started", now))
        self.outbox.nudge()
        return registration, True

    async def check_pupil(self, claims: Claims, pupil_id: UUID, correct: bool, correction: str | None) -> Registration:
        return await self._check(claims, pupil_id, "pupil", correct, correction)

    async def check_contact(
        self, claims: Claims, pupil_id: UUID, correct: bool, correction: str | None
    ) -> Registration:
        return await self._check(claims, pupil_id, "contact", correct, correction)

    async def _check(
        self, claims: Claims, pupil_id: UUID, what: str, correct: bool, correction: str | None
    ) -> Registration:
        if not correct and not (correction and correction.strip()):
            raise Refused(
                [Problem("correction", "say what is wrong, so the primary school can correct it", "correction_missing")]
            )
        async with self.database.transaction() as session:
            registration, _ = await self._in_progress(session, claims, pupil_id)
            now = self.clock()
            checked_at = now if correct else None
            note = None if correct else (correction or "").strip()
            if what == "pupil":
                registration.pupil_checked_at, registration.pupil_correction = checked_at, note
            else:
                registration.contact_checked_at, registration.contact_correction = checked_at, note
            registration.changed_at = now
            session.add(registration)
            await self.outbox.put(session, progressed(registration, _CHECKED[what, correct], now))
        self.outbox.nudge()
        return registration

    async def rank(self, claims: Claims, pupil_id: UUID, choice: PreferenceList) -> Registration:
        async with self.database.transaction() as session:
            registration, eligibility = await self._in_progress(session, claims, pupil_id)
            await apply_list(session, self.procedure, registration, choice, eligibility, self.clock())
            session.add(registration)
            await self.outbox.put(session, progressed(registration, "ranked", registration.changed_at))
        self.outbox.nudge()
        return registration

    async def sign(self, claims: Claims, pupil_id: UUID, signed_by: str) -> Registration:
        async with self.database.transaction() as session:
            registration, _ = await self._in_progress(session, claims, pupil_id)
            if not registration.preferences:
                raise NotNow("rank the schools first; the signature is for the list", code="preferences_missing")
            registration.signed_by = signed_by.strip()
            registration.signed_at = registration.changed_at = self.clock()
            session.add(registration)
            await self.outbox.put(session, progressed(registration, "signed", registration.signed_at))
        self.outbox.nudge()
        return registration

    async def submit(self, claims: Claims, pupil_id: UUID) -> Registration:
        async with self.database.transaction() as session:
            registration, eligibility = await self._in_progress(session, claims, pupil_id)
            missing = missing_steps(steps_done(registration, eligibility))
            if missing:
                raise NotNow(f"not every step is done yet: {', '.join(missing)}", code="steps_missing", missing=missing)
            assert eligibility.advice is not None
            problems = check_preferences(self.procedure, eligibility.advice, stored_list(registration))
            if problems:  # the advice changed since the list was made
                raise Refused(problems)
            registration.state = RegistrationState.SUBMITTED
            registration.submitted_at = registration.changed_at = self.clock()
            if self.procedure.submission == Submission.PRIMARY_SCHOOL and from_outside_the_region(
                eligibility.elk_number
            ):  # Zaanstad: a buitenleerling's school is not in Loket to forward it, so it goes on at once
                registration.state = RegistrationState.FORWARDED
                registration.forwarded_at = registration.submitted_at
            session.add(registration)
            if registration.state == RegistrationState.FORWARDED or self.procedure.submission == Submission.PARENT:
                await self.outbox.put(session, submitted(registration, registration.submitted_at))
            else:
                step = progressed(registration, "submitted_to_primary_school", registration.submitted_at)
                await self.outbox.put(session, step)
        self.outbox.nudge()
        return registration

    async def withdraw(self, claims: Claims, pupil_id: UUID) -> Registration:
        """During the registration window a parent may withdraw a submitted registration and register
        again; once the primary school forwarded it (Zaanstad) only the school can."""
        now = self.clock()
        async with self.database.transaction() as session:
            await self._as_parent(session, claims, pupil_id)
            registration = await active_registration(session, self.procedure, pupil_id)
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
            session.add(registration)
            if self.procedure.submission == Submission.PARENT:
                await self.outbox.put(session, withdrawn(registration, now))
            else:  # Zaanstad: it had not reached the secondary school yet
                await self.outbox.put(session, progressed(registration, "withdrawn_before_forwarding", now))
        self.outbox.nudge()
        return registration

    async def _in_progress(
        self, session: AsyncSession, claims: Claims, pupil_id: UUID
    ) -> tuple[Registration, PupilEligibility]:
        eligibility = await self._as_parent(session, claims, pupil_id)
        round_ = registration_round(self.procedure, readiness_of(eligibility), self.clock())
        registration = await active_registration(session, self.procedure, pupil_id, round_.code)
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

    async def _as_parent(self, session: AsyncSession, claims: Claims, pupil_id: UUID) -> PupilEligibility | None:
        eligibility = await self._reached(session, claims, pupil_id)
        if claims.role != Role.PARENT or claims.act is not None:
            raise Forbidden(
                "only the pupil's parent registers; the school helps, or uses the paper form", code="parent_only"
            )
        return eligibility

    async def _reached(self, session: AsyncSession, claims: Claims, pupil_id: UUID) -> PupilEligibility | None:
        eligibility = await session.get(PupilEligibility, pupil_id)
        if claims.role == Role.PARENT:
            if claims.scope.pupil != pupil_id:
                raise NotFound("no such pupil", code="pupil_not_found")
            return eligibility
        if eligibility is None or not claims.reaches_school(eligibility.school_brin):
            raise NotFound("no such pupil", code="pupil_not_found")
        if not await sees_pupil(session, claims, eligibility):
            raise NotFound("no such pupil in your groups", code="pupil_not_in_your_groups")
        return eligibility


_CHECKED: dict[tuple[str, bool], RegistrationStep] = {
    ("pupil", True): "pupil_checked",
    ("pupil", False): "pupil_correction_requested",
    ("contact", True): "contact_checked",
    ("contact", False): "contact_correction_requested",
}


def region_round(procedure: Procedure, claims: Claims, round_code: str, refusal: str) -> Round:
    """A round of the procedure, for the region administrator only (not while someone looks along)."""
    if claims.role != Role.REGION_ADMIN or claims.act is not None:
        raise Forbidden(refusal, code="region_only")
    round_ = next((round_ for round_ in procedure.rounds if round_.code == round_code), None)
    if round_ is None:
        raise NotFound(f"no round {round_code!r} in this procedure", code="round_not_found", round=round_code)
    return round_


async def standing(
    session: AsyncSession, procedure: Procedure, pupil_id: UUID, now: datetime
) -> tuple[list[Registration], dict[UUID, Placement], dict[UUID, RegistrationOutcome | None]]:
    """Every registration of the pupil (newest first), each one's placement and its outcome at `now`."""
    query = select(Registration).where(Registration.pupil_id == pupil_id)
    registrations = list((await session.exec(query.order_by(col(Registration.started_at).desc()))).all())
    placed = await placements(session, [registration.id for registration in registrations])
    outcomes = {r.id: outcome_of(procedure, r, placed.get(r.id), now) for r in registrations}
    return registrations, placed, outcomes


async def active_registration(
    session: AsyncSession, procedure: Procedure, pupil_id: UUID, round_code: str | None = None
) -> Registration | None:
    """The pupil's registration that counts in `round_code`, or else in the newest round that has one
    (locked for the step; a pupil unplaced in an earlier round has one there too)."""
    query = select(Registration).where(Registration.pupil_id == pupil_id, col(Registration.active).is_(True))
    if round_code is not None:
        query = query.where(Registration.round_code == round_code)
    found = (await session.exec(query.with_for_update())).all()
    return max(found, key=lambda registration: _round_index(procedure, registration.round_code), default=None)


def _round_index(procedure: Procedure, round_code: str) -> int:
    return next((index for index, round_ in enumerate(procedure.rounds) if round_.code == round_code), -1)


def outcome_of(
    procedure: Procedure, registration: Registration, placement: Placement | None, now: datetime
) -> RegistrationOutcome | None:
    """How the registration ended for the pupil at `now` (see `registration_outcome`)."""
    return registration_outcome(
        procedure.round(registration.round_code),
        procedure.submission,
        RegistrationState(registration.state),
        ended_by_school=registration.withdrawal_reason is not None,
        placed_by_school=registration.school_placed_at is not None,
        lottery_placed=None if placement is None else placement.program is not None,
        now=now,
    )


def current_of(
    procedure: Procedure,
    registrations: list[Registration],
    outcomes: dict[UUID, RegistrationOutcome | None],
    now: datetime,
) -> Registration | None:
    """The registration that counts for the pupil now: the active one of the newest round, unless a later
    round is open now and it is over for the pupil (not placed, never submitted); then none, until the
    parent begins one in the open round."""
    active = [registration for registration in registrations if registration.active]
    latest = max(active, key=lambda registration: _round_index(procedure, registration.round_code), default=None)
    opened = open_round(procedure, now)
    later_round_open = latest is not None and opened is not None and latest.round_code != opened.code
    if latest is not None and later_round_open and not still_counts(outcomes.get(latest.id)):
        return None
    return latest


def in_round(
    procedure: Procedure,
    registrations: list[Registration],
    outcomes: dict[UUID, RegistrationOutcome | None],
    round_: Round,
    now: datetime,
) -> Registration | None:
    """The pupil's active registration in `round_`; None when a new one may begin there. NotNow when a
    registration of an earlier round still counts: the pupil is placed, or waits for that round's result."""
    found = next((r for r in registrations if r.active and r.round_code == round_.code), None)
    if found is not None:
        return found
    counting = current_of(procedure, registrations, outcomes, now)
    if counting is None or counting.round_code == round_.code:
        return None
    earlier = procedure.round(counting.round_code)
    if outcomes.get(counting.id) == RegistrationOutcome.PLACED:
        raise NotNow(
            f"the pupil is placed in {earlier.name}; a placed pupil does not register in {round_.name}",
            code="already_placed",
            round=earlier.code,
            round_name=earlier.name,
        )
    published = f"{earlier.publication_at.astimezone(TIME_ZONE):{TIME}}"
    raise NotNow(
        f"the result of {earlier.name} is published on {published}; only a pupil it leaves unplaced registers "
        f"in {round_.name}",
        code="result_pending",
        round=earlier.code,
        round_name=earlier.name,
        publication_at=earlier.publication_at,
    )


def begun(eligibility: PupilEligibility, round_code: str, by: str, now: datetime) -> Registration:
    """A new registration of the pupil in the round, in progress (AG)."""
    assert eligibility.advice is not None
    return Registration(
        pupil_id=eligibility.pupil_id,
        school_brin=eligibility.school_brin,
        round_code=round_code,
        state=RegistrationState.IN_PROGRESS,
        advice=eligibility.advice,
        started_at=now,
        started_by=by,
        changed_at=now,
    )


def stored_list(registration: Registration) -> PreferenceList:
    return PreferenceList(
        programs=tuple(registration.preferences),
        priority=PriorityClaim(**registration.priority) if registration.priority else PriorityClaim(kind=None),
        equivalent_program_wish=registration.equivalent_program_wish,
        multiple_birth=MultipleBirth(**registration.multiple_birth)
        if registration.multiple_birth
        else MultipleBirth(is_multiple=False),
        outside_region=registration.outside_region,
    )


async def apply_list(
    session: AsyncSession,
    procedure: Procedure,
    registration: Registration,
    choice: PreferenceList,
    eligibility: PupilEligibility,
    now: datetime,
) -> None:
    """Check `choice` against the advice and the procedure and put it on the registration (Refused: nothing
    changes)."""
    assert eligibility.advice is not None
    advice = eligibility.advice
    problems = check_preferences(procedure, advice, choice) + await _twin_unknown(session, eligibility, choice)
    if problems:
        raise Refused(problems)
    registration.preferences = list(choice.programs)
    registration.first_choice_brin = procedure.programs()[choice.programs[0]][0].brin
    registration.priority = asdict(choice.priority) if choice.priority.kind else None
    registration.equivalent_program_wish = choice.equivalent_program_wish
    registration.multiple_birth = asdict(choice.multiple_birth) if choice.multiple_birth.is_multiple else None
    registration.outside_region = choice.outside_region
    registration.advice = advice
    registration.preferences_at = registration.changed_at = now


async def _twin_unknown(session: AsyncSession, eligibility: PupilEligibility, choice: PreferenceList) -> list[Problem]:
    """Twins share a lot only when each names the other's ELK number: a number that is nobody's (a typo)
    would silently give each a lot of their own, so it is refused here, while the parent can fix it."""
    named = (choice.multiple_birth.sibling_elk_number or "").strip()
    if not choice.multiple_birth.registering_together or not named:
        return []
    where = "multiple_birth.sibling_elk_number"
    if named == eligibility.elk_number:
        return [
            Problem(
                where, "this is the pupil's own ELK number; give the brother's or sister's", "sibling_elk_number_own"
            )
        ]
    known = await session.exec(select(PupilEligibility.pupil_id).where(PupilEligibility.elk_number == named))
    if known.first() is None:
        what = f"no pupil in the region has ELK number {named}; check it on the sibling's letter"
        return [Problem(where, what, "sibling_elk_number_unknown", {"elk_number": named})]
    return []


def refuse_group_limited(claims: Claims) -> None:
    """Groups are a primary school's: a school user whose token limits them to some groups has no
    secondary school's registrations to read."""
    if claims.role == Role.SCHOOL_USER and claims.scope.groups:
        raise Forbidden(
            "a user limited to groups sees the pupils of those groups, not a secondary school's lists",
            code="groups_limited",
        )
