"""Events aanmelding publishes about registrations: dossier follows them to know which secondary school
may read which pupil's dossier (only while the pupil is registered there); notificatie mails the parents
the confirmation and the school's decision on a priority claim. No names, no birth dates, no BSN."""

from uuid import UUID

from pydantic import AwareDatetime, Field

from loket.contracts.events.base import EventPayload, event

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
