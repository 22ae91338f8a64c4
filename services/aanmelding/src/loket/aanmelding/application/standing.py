"""Where a pupil stands: its registrations, which one counts now, what each step needs, and a list put on
a registration. Shared by the parent's steps (`registration.py`) and the primary school's
(`primary_school.py`); the rules themselves are in `domain/registration.py`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from loket.aanmelding.domain.eligibility import Eligibility, Readiness
from loket.aanmelding.domain.procedure import TIME_ZONE, Procedure, Round
from loket.aanmelding.domain.registration import (
    TIME,
    MultipleBirth,
    PreferenceList,
    PriorityClaim,
    Problem,
    RegistrationOutcome,
    RegistrationState,
    Step,
    check_preferences,
    open_round,
    registration_outcome,
    still_counts,
)
from loket.aanmelding.persistence.models import Placement, PupilEligibility, Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import Invalid, NotNow


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


async def standing(
    store: Repositories, procedure: Procedure, pupil_id: UUID, now: datetime
) -> tuple[list[Registration], dict[UUID, Placement], dict[UUID, RegistrationOutcome | None]]:
    """Every registration of the pupil (newest first), each one's placement and its outcome at `now`."""
    registrations = await store.registrations.of_pupil(pupil_id)
    # a lottery's market takes submitted registrations only, so one still in progress has no placement: a
    # parent's steps (all on one in progress but the submission) answer without asking the database
    maybe_placed = [r.id for r in registrations if r.state != RegistrationState.IN_PROGRESS]
    placed = await store.lotteries.placements(maybe_placed) if maybe_placed else {}
    outcomes = {r.id: outcome_of(procedure, r, placed.get(r.id), now) for r in registrations}
    return registrations, placed, outcomes


async def counting(
    store: Repositories, procedure: Procedure, pupil_id: UUID, round_code: str | None = None
) -> Registration | None:
    """The pupil's registration that counts in `round_code`, or else in the newest round that has one
    (locked for the step; a pupil unplaced in an earlier round has one there too)."""
    found = await store.registrations.active(pupil_id, round_code)
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
    counts = current_of(procedure, registrations, outcomes, now)
    if counts is None or counts.round_code == round_.code:
        return None
    earlier = procedure.round(counts.round_code)
    if outcomes.get(counts.id) == RegistrationOutcome.PLACED:
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
    store: Repositories,
    procedure: Procedure,
    registration: Registration,
    choice: PreferenceList,
    eligibility: PupilEligibility,
    now: datetime,
) -> None:
    """Check `choice` against the advice and the procedure and put it on the registration (Invalid: nothing
    changes)."""
    assert eligibility.advice is not None
    advice = eligibility.advice
    problems = check_preferences(procedure, advice, choice) + await _twin_unknown(store, eligibility, choice)
    if problems:
        raise Invalid([*problems])
    registration.preferences = list(choice.programs)
    registration.first_choice_brin = procedure.programs()[choice.programs[0]][0].brin
    registration.priority = asdict(choice.priority) if choice.priority.kind else None
    registration.equivalent_program_wish = choice.equivalent_program_wish
    registration.multiple_birth = asdict(choice.multiple_birth) if choice.multiple_birth.is_multiple else None
    registration.outside_region = choice.outside_region
    registration.advice = advice
    registration.preferences_at = registration.changed_at = now


async def _twin_unknown(store: Repositories, eligibility: PupilEligibility, choice: PreferenceList) -> list[Problem]:
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
    if not await store.pupils.elk_number_known(named):
        what = f"no pupil in the region has ELK number {named}; check it on the sibling's letter"
        return [Problem(where, what, "sibling_elk_number_unknown", {"elk_number": named})]
    return []
