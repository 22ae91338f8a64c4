"""The parent's registration over HTTP: the API a parent portal calls, one route per step of the seeds.
A parent can stop after any step and resume later; the primary school reads along (the dots AG/AV)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, Field

from loket.aanmelding.domain.procedure import PriorityKind, Procedure
from loket.aanmelding.domain.registration import (
    MultipleBirth,
    NotNow,
    PreferenceList,
    PriorityClaim,
    Refused,
    RegistrationState,
    Step,
    missing_steps,
    submission_goes_to,
)
from loket.aanmelding.persistence.models import Placement, Registration
from loket.aanmelding.registrations import Forbidden, NotFound, Registrations, View
from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier

DOTS = {RegistrationState.IN_PROGRESS: "AG", RegistrationState.SUBMITTED: "AV", RegistrationState.FORWARDED: "AV"}


class CheckIn(BaseModel):
    correct: bool = Field(description="The details are right; false asks the primary school to correct them.")
    correction: str | None = Field(default=None, max_length=2000, description="What is wrong (when not correct).")


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


class SignatureIn(BaseModel):
    signed_by: str = Field(min_length=2, max_length=200, description="The parent's name, as a signature.")


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


class RegistrationsOut(BaseModel):
    readiness: str | None = Field(description="waiting_for_advice, open or form_outdated; null: nothing known yet.")
    advice: str | None
    current: RegistrationOut | None
    history: list[RegistrationOut] = Field(description="Earlier registrations, withdrawn, newest first.")


@contextmanager
def answered() -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        detail = [
            {"loc": _loc(problem.where), "msg": problem.what, "type": "value_error"} for problem in refused.problems
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    except NotNow as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except Forbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


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
    )


def _loc(where: str) -> list[str | int]:
    """`preferences[2]` → ["body", "preferences", 2], as FastAPI names a field in a 422."""
    parts = where.replace("[", ".").replace("]", "").split(".")
    return ["body", *(int(part) if part.isdigit() else part for part in parts)]


def registration_router(registrations: Registrations, procedure: Procedure, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["registration"], responses={401: {}, 403: {}, 404: {}, 409: {}})
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    def out(
        registration: Registration, steps: dict[Step, bool] | None = None, placement: Placement | None = None
    ) -> RegistrationOut:
        return registration_out(procedure, registration, steps, placement)

    async def current(claims: Claims, pupil_id: UUID) -> RegistrationOut:
        view = await registrations.view(claims, pupil_id)
        assert view.current is not None
        return out(view.current, view.steps)

    def of(view: View) -> RegistrationsOut:
        return RegistrationsOut(
            readiness=view.readiness,
            advice=view.advice,
            current=out(view.current, view.steps, view.placement) if view.current else None,
            history=[out(registration) for registration in view.history],
        )

    @router.get("/pupils/{pupil_id}/registration", response_model=RegistrationsOut)
    async def read(pupil_id: UUID, claims: Caller) -> RegistrationsOut:
        """The pupil's registration: its steps, what is still missing, and earlier (withdrawn) ones."""
        with answered():
            return of(await registrations.view(claims, pupil_id))

    @router.post("/pupils/{pupil_id}/registration", response_model=RegistrationOut, status_code=status.HTTP_201_CREATED)
    async def start(pupil_id: UUID, claims: Caller, response: Response) -> RegistrationOut:
        """Begin the registration in the round open now, or resume the one begun (200)."""
        with answered():
            _, new = await registrations.start(claims, pupil_id)
            if not new:
                response.status_code = status.HTTP_200_OK
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/pupil-check", response_model=RegistrationOut, responses={422: {}})
    async def check_pupil(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 1: the pupil's details (name, birth date, advice) are right, or what the school must correct."""
        with answered():
            await registrations.check_pupil(claims, pupil_id, check.correct, check.correction)
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/contact-check", response_model=RegistrationOut, responses={422: {}})
    async def check_contact(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 2: the contact details (address, parents, phone, e-mail) are right, or what is wrong."""
        with answered():
            await registrations.check_contact(claims, pupil_id, check.correct, check.correction)
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/preferences", response_model=RegistrationOut, responses={422: {}})
    async def rank(pupil_id: UUID, preferences: PreferencesIn, claims: Caller) -> RegistrationOut:
        """Step 3: the ranked programs, checked against the advice and the list length; at the first choice
        only, a priority claim, the wish to stay in an equivalent department, and the twins question."""
        with answered():
            await registrations.rank(claims, pupil_id, preferences.as_list())
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/signature", response_model=RegistrationOut, responses={422: {}})
    async def sign(pupil_id: UUID, signature: SignatureIn, claims: Caller) -> RegistrationOut:
        """Step 4: the parent signs the list; a later change of the list needs a new signature."""
        with answered():
            await registrations.sign(claims, pupil_id, signature.signed_by)
            return await current(claims, pupil_id)

    @router.post("/pupils/{pupil_id}/registration/submission", response_model=RegistrationOut, responses={422: {}})
    async def submit(pupil_id: UUID, claims: Caller) -> RegistrationOut:
        """Submit (AV): to the school of first choice, or in Zaanstad to the primary school."""
        with answered():
            await registrations.submit(claims, pupil_id)
            return await current(claims, pupil_id)

    @router.post("/pupils/{pupil_id}/registration/withdrawal", response_model=RegistrationsOut)
    async def withdraw(pupil_id: UUID, claims: Caller) -> RegistrationsOut:
        """Withdraw a submitted registration during the window, to register again; it stays in the history."""
        with answered():
            await registrations.withdraw(claims, pupil_id)
            return of(await registrations.view(claims, pupil_id))

    return router
