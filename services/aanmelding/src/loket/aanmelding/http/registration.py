"""The parent's registration over HTTP: the API a parent portal calls, one route per step of the seeds.
A parent can stop after any step and resume later; the primary school reads along (the dots AG/AV)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from loket.aanmelding.application.registration import Forbidden, NotFound, Registrations, View
from loket.aanmelding.domain.procedure import PriorityKind, Procedure
from loket.aanmelding.domain.registration import (
    Coded,
    MultipleBirth,
    NotNow,
    PreferenceList,
    PriorityClaim,
    Refused,
    RegistrationOutcome,
    RegistrationState,
    Step,
    missing_steps,
    submission_goes_to,
)
from loket.aanmelding.persistence.models import Placement, Registration
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


class RegistrationsOut(BaseModel):
    readiness: str | None = Field(description="waiting_for_advice, open or form_outdated; null: nothing known yet.")
    advice: str | None
    current: RegistrationOut | None = Field(
        description="The registration that counts now: in the round open now, or else the newest round's. Null "
        "when there is none, or when a later round is open and the earlier round's is over for the pupil "
        "(not placed, or never submitted): then `can_start`."
    )
    history: list[RegistrationOut] = Field(
        description="Every other registration, newest first: withdrawn, ended by a school, and an earlier "
        "round's, each with its `placement` and `outcome`."
    )
    open_round: str | None = Field(default=None, description="The round whose registration window is open now.")
    can_start: bool = Field(
        default=False, description="POST …/registration would begin a new registration in `open_round` now."
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


class CodedHTTPException(HTTPException):
    """An HTTP answer with a stable code; `coded_answer` writes it as `ErrorOut`."""

    def __init__(self, status_code: int, refusal: Coded) -> None:
        super().__init__(status_code, str(refusal))
        self.code = refusal.code
        self.ctx = refusal.ctx


async def coded_answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CodedHTTPException)
    body = ErrorOut(detail=str(exc.detail), code=exc.code, ctx=jsonable_encoder(exc.ctx))
    return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)


@contextmanager
def answered() -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        detail = [
            {"loc": _loc(problem.where), "msg": problem.what, "type": problem.code, "ctx": problem.ctx}
            for problem in refused.problems
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, jsonable_encoder(detail)) from None
    except NotNow as exc:
        raise CodedHTTPException(status.HTTP_409_CONFLICT, exc) from None
    except Forbidden as exc:
        raise CodedHTTPException(status.HTTP_403_FORBIDDEN, exc) from None
    except NotFound as exc:
        raise CodedHTTPException(status.HTTP_404_NOT_FOUND, exc) from None


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


def _loc(where: str) -> list[str | int]:
    """`preferences[2]` → ["body", "preferences", 2], as FastAPI names a field in a 422."""
    parts = where.replace("[", ".").replace("]", "").split(".")
    return ["body", *(int(part) if part.isdigit() else part for part in parts)]


def registration_router(registrations: Registrations, procedure: Procedure, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["registration"], responses=ANSWERS)
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    def out(view: View, registration: Registration, steps: dict[Step, bool] | None = None) -> RegistrationOut:
        placement, outcome = view.placements.get(registration.id), view.outcomes.get(registration.id)
        return registration_out(procedure, registration, steps, placement, outcome)

    async def current(claims: Claims, pupil_id: UUID) -> RegistrationOut:
        view = await registrations.view(claims, pupil_id)
        assert view.current is not None
        return out(view, view.current, view.steps)

    def of(view: View) -> RegistrationsOut:
        return RegistrationsOut(
            readiness=view.readiness,
            advice=view.advice,
            current=out(view, view.current, view.steps) if view.current else None,
            history=[out(view, registration) for registration in view.history],
            open_round=view.open_round,
            can_start=view.can_start,
        )

    @router.get("/pupils/{pupil_id}/registration", response_model=RegistrationsOut)
    async def read(pupil_id: UUID, claims: Caller) -> RegistrationsOut:
        """The pupil's registration: its steps, what is still missing, and earlier ones (withdrawn, ended, or
        of an earlier round) with their outcome; whether a registration may begin in the round open now."""
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

    @router.put("/pupils/{pupil_id}/registration/pupil-check", response_model=RegistrationOut, responses=REFUSED)
    async def check_pupil(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 1: the pupil's details (name, birth date, advice) are right, or what the school must correct."""
        with answered():
            await registrations.check_pupil(claims, pupil_id, check.correct, check.correction)
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/contact-check", response_model=RegistrationOut, responses=REFUSED)
    async def check_contact(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 2: the contact details (address, parents, phone, e-mail) are right, or what is wrong."""
        with answered():
            await registrations.check_contact(claims, pupil_id, check.correct, check.correction)
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/preferences", response_model=RegistrationOut, responses=REFUSED)
    async def rank(pupil_id: UUID, preferences: PreferencesIn, claims: Caller) -> RegistrationOut:
        """Step 3: the ranked programs, checked against the advice and the list length; at the first choice
        only, a priority claim, the wish to stay in an equivalent department, and the twins question."""
        with answered():
            await registrations.rank(claims, pupil_id, preferences.as_list())
            return await current(claims, pupil_id)

    @router.put("/pupils/{pupil_id}/registration/signature", response_model=RegistrationOut, responses=REFUSED)
    async def sign(pupil_id: UUID, signature: SignatureIn, claims: Caller) -> RegistrationOut:
        """Step 4: the parent signs the list; a later change of the list needs a new signature."""
        with answered():
            await registrations.sign(claims, pupil_id, signature.signed_by)
            return await current(claims, pupil_id)

    @router.post("/pupils/{pupil_id}/registration/submission", response_model=RegistrationOut, responses=REFUSED)
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
