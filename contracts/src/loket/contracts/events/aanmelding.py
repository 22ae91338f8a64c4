"""Events aanmelding publishes about registrations: dossier follows them to know which secondary school
may read which pupil's dossier (only while the pupil is registered there); notificatie mails the parents
the confirmation and the school's decision on a priority claim. The rest (a parent's steps, the school's
placement, the lotteries) no Loket service consumes yet: they are kept in the event journal for services
that build on them. No names, no birth dates, no BSN, no free text a parent or school typed."""

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from loket.contracts.events.base import EventPayload, event
from loket.contracts.events.loting import SeedSource, Sha256

Brins = tuple[str, ...]


@event("aanmelding.registration.submitted", 1)
class RegistrationSubmitted(EventPayload):
    """The parents made a pupil's registration final (AV; in Zaanstad, once the primary school forwarded
    it) and it went to the secondary school(s) that receive it.
    dossier lets the staff of those schools read the pupil's dossier and OKI-doc while the registration
    stands. A later `submitted` for the same registration replaces its list of schools. No name, no
    birth date, no BSN: the schools read those in dossier.
    """

    pupil_id: UUID
    registration_id: UUID
    school_brins: Brins = Field(
        min_length=1,
        description="The secondary schools that receive the registration (BRIN with location), e.g. the "
        "first choice only in Amstelland, or every school on the list where the procedure shares it.",
    )
    submitted_at: AwareDatetime


@event("aanmelding.registration.withdrawn", 1)
class RegistrationWithdrawn(EventPayload):
    """A pupil's registration was withdrawn (terugtrekken) by the parents or the school, or voided because
    the school cannot place the pupil for support needs. The secondary schools that received it no longer
    read the pupil's dossier."""

    pupil_id: UUID
    registration_id: UUID
    school_brins: Brins = Field(min_length=1, description="The secondary schools that received the registration.")
    withdrawn_at: AwareDatetime


@event("aanmelding.registration.ended_by_school", 1)
class RegistrationEndedBySchool(EventPayload):
    """The secondary school ended a registration it received: it cannot place the pupil for support needs
    (`support_needs`; the registration is void and the pupil may register at another school), or the
    pupil will not come. The parents are told; the school's reason stays in aanmelding. Comes with
    `aanmelding.registration.withdrawn.v1`, which is about the dossier's readers."""

    pupil_id: UUID
    registration_id: UUID
    school_brin: str = Field(description="The secondary school that ended it: BRIN with its location.")
    primary_school_brin: str = Field(description="The pupil's primary school, which helps the parents on.")
    support_needs: bool = Field(description="true: cannot place for support needs; false: the pupil will not come.")
    ended_at: AwareDatetime


@event("aanmelding.priority_claim.decided", 1)
class PriorityClaimDecided(EventPayload):
    """The school of first choice granted or rejected the priority claimed in a registration; the parents
    are told either way. Until the round's lottery the school may change its decision (a new event)."""

    pupil_id: UUID
    registration_id: UUID
    school_brin: str = Field(description="The school of first choice (BRIN with location).")
    kind: str = Field(description="What was claimed: sibling, staff_child or personal_circumstances.")
    granted: bool
    decided_at: AwareDatetime


@event("aanmelding.reminder.due", 1)
class ReminderDue(EventPayload):
    """A reminder moment of the round came, and this pupil's parents are not done: they have not begun
    (`not_started`) or not submitted (`in_progress`). Never sent for a pupil whose registration is in."""

    pupil_id: UUID
    round: str = Field(description="The round's code, e.g. ronde-1.")
    progress: str = Field(description="not_started or in_progress (AG).")
    closes_at: AwareDatetime = Field(description="When the round's registration window closes.")


@event("aanmelding.placement.published", 1)
class PlacementPublished(EventPayload):
    """The round's publication moment came: the parents of this registration can see its outcome now (all
    at the same moment). Says only whether the pupil was placed and where (school and program codes)."""

    pupil_id: UUID
    registration_id: UUID
    round: str
    placed: bool
    school_brin: str | None = Field(default=None, description="The school placed at; null when not placed.")
    program: str | None = Field(default=None, description="The program placed in (its code); null when not placed.")


RegistrationStep = Literal[
    "started",
    "pupil_checked",
    "pupil_correction_requested",
    "contact_checked",
    "contact_correction_requested",
    "ranked",
    "signed",
    "submitted_to_primary_school",
    "changed_by_primary_school",
    "withdrawn_before_forwarding",
]


@event("aanmelding.registration.progressed", 1)
class RegistrationProgressed(EventPayload):
    """A step of a registration before it reaches a secondary school: the parents' steps (AG, the blue
    dot, until they submit), a correction of the pupil's or contact data asked of the primary school (what
    is wrong stays in aanmelding), and in Zaanstad the list submitted to the primary school, changed by it
    with the parents' consent, or withdrawn before it was forwarded. Reaching the school is
    `aanmelding.registration.submitted.v1`."""

    pupil_id: UUID
    registration_id: UUID
    primary_school_brin: str = Field(description="The pupil's primary school (BRIN with location).")
    round: str = Field(description="The round's code, e.g. ronde-1.")
    step: RegistrationStep
    by_primary_school: bool = Field(description="true: the primary school took the step (paper form, a change).")
    at: AwareDatetime


@event("aanmelding.registration.placed_by_school", 1)
class PlacedBySchool(EventPayload):
    """Geplaatst: the secondary school placed a pupil registered with it, in a stream or profile if it
    named one. Seen by parents only at the round's publication (`aanmelding.placement.published.v1`)."""

    pupil_id: UUID
    registration_id: UUID
    school_brin: str = Field(description="The school that placed the pupil (BRIN with location).")
    stream: str | None = Field(default=None, description="The stream or profile the school named, if any.")
    placed_at: AwareDatetime


@event("aanmelding.registration.tafelmiddag_marked", 1)
class TafelmiddagMarked(EventPayload):
    """The secondary school marked (or unmarked) a registration for its tafelmiddag, the afternoon it
    talks with the primary school about the pupils it receives."""

    registration_id: UUID
    school_brin: str
    tafelmiddag: bool
    marked_at: AwareDatetime


@event("aanmelding.lottery.taken", 1)
class LotteryTaken(EventPayload):
    """The region fixed a round's market for loting's ceremony: its SHA-256 is the commitment anybody can
    check the ceremony's input against. No pupil is named in it."""

    lottery_id: UUID
    round: str
    market_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    registrations: int = Field(ge=0, description="How many registrations the market holds.")
    taken_at: AwareDatetime


@event("aanmelding.lottery.applied", 1)
class LotteryApplied(EventPayload):
    """The ceremony's result was checked against the market and applied: the schools see their placements
    now, the parents at the round's publication moment. Counts only; the placements themselves are
    published per pupil with `aanmelding.placement.published.v1`."""

    lottery_id: UUID
    round: str
    result_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    placed: int = Field(ge=0)
    unplaced: int = Field(ge=0)
    applied_at: AwareDatetime


@event("aanmelding.lottery.ceremony_requested", 1, journaled=False)
class LotteryCeremonyRequested(EventPayload):
    """The region asks loting to hold a taken lottery's ceremony: loting opens a run with the lottery's id
    as the run's id and this market as its commitment, then waits for the notary's seed as for any run;
    its `loting.run.result_issued.v1` comes back to aanmelding. Carries each registration's market entry
    (pseudonymous id, advice, preferences), so it goes to loting only."""

    lottery_id: UUID
    round: str
    label: str = Field(min_length=1, max_length=200)
    market: dict[str, Any] = Field(description="The lottery's market, loting-market/1 without its seed.")
    market_sha256: Sha256 = Field(description="The commitment: SHA-256 of the market's canonical JSON.")
    seed_sources: tuple[SeedSource, ...] = Field(min_length=1, description="Where the seed will come from.")
