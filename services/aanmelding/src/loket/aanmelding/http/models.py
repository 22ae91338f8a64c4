"""What the HTTP routes share: the answers a refusal gets (their models, for the OpenAPI document), a
parent's list as it comes in, and a registration as it goes out, to the parent and to the schools."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, Field

from loket.aanmelding.domain.procedure import PriorityKind, Procedure
from loket.aanmelding.domain.registration import (
    MultipleBirth,
    PreferenceList,
    PriorityClaim,
    RegistrationOutcome,
    RegistrationState,
    Step,
    missing_steps,
    submission_goes_to,
)

if TYPE_CHECKING:
    from loket.aanmelding.persistence.models import Placement, Registration

DOTS = {RegistrationState.IN_PROGRESS: "AG", RegistrationState.SUBMITTED: "AV", RegistrationState.FORWARDED: "AV"}


class PriorityIn(BaseModel):
    kind: PriorityKind | None = Field(default=None, description="null: not applicable (niet van toepassing).")
    at: str | None = Field(default=None, description="The program it is claimed at; only the first choice may.")
    sibling_name: str | None = Field(default=None, max_length=200)
    sibling_class: str | None = Field(default=None, max_length=20)


class MultipleBirthIn(BaseModel):
    is_multiple: bool = False
    sibling_elk_number: str | None = Field(default=None, max_length=16)
    registering_together: bool = Field(default=False, description="Both register at the school of first choice.")


class PreferencesIn(BaseModel):
    programs: list[str] = Field(description="Program codes, most wanted first (GET /procedure/programs).")
    priority: PriorityIn = Field(default_factory=PriorityIn)
    equivalent_program_wish: bool = Field(
        default=False, description="At the first choice: stay there in an equivalent department if possible."
    )
    multiple_birth: MultipleBirthIn = Field(default_factory=MultipleBirthIn)
    outside_region: str | None = Field(
        default=None, max_length=500, description="A registration outside the region, for information (not one)."
    )

    def as_list(self) -> PreferenceList:
        return PreferenceList(
            programs=tuple(self.programs),
            priority=PriorityClaim(**self.priority.model_dump()),
            equivalent_program_wish=self.equivalent_program_wish,
            multiple_birth=MultipleBirth(**self.multiple_birth.model_dump()),
            outside_region=self.outside_region,
        )


class ChoiceOut(BaseModel):
    program: str
    program_name: str
    school_brin: str
    school_name: str


class PlacementOut(BaseModel):
    program: str | None = Field(description="null: not placed in this round's lottery.")
    program_name: str | None
    school_brin: str | None
    school_name: str | None
    rank: int | None = Field(description="The program's place on the list (1: the first choice).")
    full_list_unplaced: bool = Field(description="Not placed although the list was as long as the rule asks.")


class RegistrationOut(BaseModel):
    id: UUID
    pupil_id: UUID
    round: str
    state: RegistrationState
    dot: str | None = Field(description="As the primary school sees it: AG (started) or AV (submitted).")
    steps: dict[Step, bool]
    missing: list[Step]
    advice: str
    preferences: list[ChoiceOut]
    priority: dict[str, Any] | None
    priority_decision: str | None = Field(description="The first choice's decision: granted, rejected, or null.")
    priority_reason: str | None = Field(default=None, description="The school's reason for its decision, if given.")
    equivalent_program_wish: bool
    multiple_birth: dict[str, Any] | None
    outside_region: str | None
    pupil_correction: str | None
    contact_correction: str | None
    signed_by: str | None
    goes_to: str | None = Field(description="Where a submitted list goes: a school's BRIN, or primary_school.")
    started_at: datetime
    submitted_at: datetime | None
    forwarded_at: datetime | None
    withdrawn_at: datetime | None
    school_changes: list[dict[str, Any]] = Field(description="Changes by the primary school, with the consent.")
    school_placed_at: datetime | None = Field(description="When the school placed the pupil (Geplaatst).")
    placed_stream: str | None
    tafelmiddag: bool
    paper_form: bool = Field(description="Entered by the primary school from the parents' paper form.")
    withdrawal_reason: str | None = Field(description="Why the school withdrew or voided it.")
    placement: PlacementOut | None = Field(
        description="The lottery's outcome; for a parent only from the round's publication moment on."
    )
    outcome: RegistrationOutcome | None = Field(
        default=None,
        description="In the pupil's registration (GET …/registration and its steps): how it ended for the pupil: "
        "placed, not_placed (the next round is open to the pupil), not_submitted (its round closed first), "
        "withdrawn (by the parents), ended_by_school; null while it can still change. Null in the schools' lists.",
    )


class ProblemOut(BaseModel):
    loc: list[str | int] = Field(description="The field, as FastAPI names it: ['body', 'preferences', 3].")
    msg: str = Field(description="What is wrong, in English.")
    type: str = Field(
        description="A stable snake_case code (list_too_short, program_not_fitting_advice, …) to translate; "
        "FastAPI's own checks of the request's shape use theirs (missing, string_too_short, …)."
    )
    ctx: dict[str, Any] = Field(default_factory=dict, description="The values the code's sentence needs.")


class RefusedOut(BaseModel):
    """422: every way the request breaks a rule; nothing changed."""

    detail: list[ProblemOut]


class ErrorOut(BaseModel):
    """403, 404, 409: why not, in English, with a stable code to translate and the values it needs."""

    detail: str
    code: str = Field(description="A stable snake_case code: window_not_open, already_submitted, …")
    ctx: dict[str, Any] = Field(default_factory=dict, description="The values the code's sentence needs.")


ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
}
REFUSED: dict[int | str, dict[str, Any]] = {422: {"model": RefusedOut}}


def placement_out(procedure: Procedure, registration: Registration, placement: Placement) -> PlacementOut:
    programs = procedure.programs()
    found = programs.get(placement.program) if placement.program else None
    school, program = found if found else (None, None)
    least, _ = procedure.required_length(registration.advice)
    return PlacementOut(
        program=placement.program,
        program_name=program.name if program else None,
        school_brin=school.brin if school else None,
        school_name=school.name if school else None,
        rank=placement.rank,
        full_list_unplaced=placement.program is None and len(registration.preferences) >= least,
    )


def registration_out(
    procedure: Procedure,
    registration: Registration,
    steps: dict[Step, bool] | None = None,
    placement: Placement | None = None,
    outcome: RegistrationOutcome | None = None,
) -> RegistrationOut:
    programs = procedure.programs()
    state = RegistrationState(registration.state)
    return RegistrationOut(
        id=registration.id,
        pupil_id=registration.pupil_id,
        round=registration.round_code,
        state=state,
        dot=DOTS.get(state),
        steps=steps or {},
        missing=missing_steps(steps) if steps is not None else [],
        advice=registration.advice,
        preferences=[
            ChoiceOut(
                program=code,
                program_name=programs[code][1].name,
                school_brin=programs[code][0].brin,
                school_name=programs[code][0].name,
            )
            for code in registration.preferences
            if code in programs
        ],
        priority=registration.priority,
        priority_decision=registration.priority_decision,
        priority_reason=registration.priority_reason,
        equivalent_program_wish=registration.equivalent_program_wish,
        multiple_birth=registration.multiple_birth,
        outside_region=registration.outside_region,
        pupil_correction=registration.pupil_correction,
        contact_correction=registration.contact_correction,
        signed_by=registration.signed_by,
        goes_to=submission_goes_to(procedure, registration.preferences[0]) if registration.preferences else None,
        started_at=registration.started_at,
        submitted_at=registration.submitted_at,
        forwarded_at=registration.forwarded_at,
        withdrawn_at=registration.withdrawn_at,
        school_changes=registration.school_changes,
        school_placed_at=registration.school_placed_at,
        placed_stream=registration.placed_stream,
        tafelmiddag=registration.tafelmiddag,
        paper_form=registration.paper_form_by is not None,
        withdrawal_reason=registration.withdrawal_reason,
        placement=placement_out(procedure, registration, placement) if placement else None,
        outcome=outcome,
    )
