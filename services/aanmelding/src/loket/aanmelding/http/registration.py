"""The parent's registration over HTTP: the API a parent portal calls, one route per step of the seeds.
A parent can stop after any step and resume later; the primary school reads along (the dots AG/AV)."""

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from loket.aanmelding.application.registration import Registrations, View
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.domain.registration import Step
from loket.aanmelding.http.models import ANSWERS, REFUSED, PreferencesIn, RegistrationOut, registration_out
from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier

if TYPE_CHECKING:
    from loket.aanmelding.persistence.models import Registration


class CheckIn(BaseModel):
    correct: bool = Field(description="The details are right; false asks the primary school to correct them.")
    correction: str | None = Field(default=None, max_length=2000, description="What is wrong (when not correct).")


class SignatureIn(BaseModel):
    signed_by: str = Field(min_length=2, max_length=200, description="The parent's name, as a signature.")


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


def registration_router(registrations: Registrations, procedure: Procedure, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["registration"], responses=ANSWERS)
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    def out(view: View, registration: "Registration", steps: dict[Step, bool] | None = None) -> RegistrationOut:
        placement, outcome = view.placements.get(registration.id), view.outcomes.get(registration.id)
        return registration_out(procedure, registration, steps, placement, outcome)

    def current(view: View) -> RegistrationOut:
        """The registration a step leaves, with its steps."""
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
        return of(await registrations.view(claims, pupil_id))

    @router.post(
        "/pupils/{pupil_id}/registration",
        response_model=RegistrationOut,
        status_code=status.HTTP_201_CREATED,
        responses={200: {"model": RegistrationOut, "description": "The registration begun earlier, resumed."}},
    )
    async def start(pupil_id: UUID, claims: Caller, response: Response) -> RegistrationOut:
        """Begin the registration in the round open now, or resume the one begun (200)."""
        view, new = await registrations.start(claims, pupil_id)
        if not new:
            response.status_code = status.HTTP_200_OK
        return current(view)

    @router.put("/pupils/{pupil_id}/registration/pupil-check", response_model=RegistrationOut, responses=REFUSED)
    async def check_pupil(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 1: the pupil's details (name, birth date, advice) are right, or what the school must correct."""
        return current(await registrations.check_pupil(claims, pupil_id, check.correct, check.correction))

    @router.put("/pupils/{pupil_id}/registration/contact-check", response_model=RegistrationOut, responses=REFUSED)
    async def check_contact(pupil_id: UUID, check: CheckIn, claims: Caller) -> RegistrationOut:
        """Step 2: the contact details (address, parents, phone, e-mail) are right, or what is wrong."""
        return current(await registrations.check_contact(claims, pupil_id, check.correct, check.correction))

    @router.put("/pupils/{pupil_id}/registration/preferences", response_model=RegistrationOut, responses=REFUSED)
    async def rank(pupil_id: UUID, preferences: PreferencesIn, claims: Caller) -> RegistrationOut:
        """Step 3: the ranked programs, checked against the advice and the list length; at the first choice
        only, a priority claim, the wish to stay in an equivalent department, and the twins question."""
        return current(await registrations.rank(claims, pupil_id, preferences.as_list()))

    @router.put("/pupils/{pupil_id}/registration/signature", response_model=RegistrationOut, responses=REFUSED)
    async def sign(pupil_id: UUID, signature: SignatureIn, claims: Caller) -> RegistrationOut:
        """Step 4: the parent signs the list; a later change of the list needs a new signature."""
        return current(await registrations.sign(claims, pupil_id, signature.signed_by))

    @router.post("/pupils/{pupil_id}/registration/submission", response_model=RegistrationOut, responses=REFUSED)
    async def submit(pupil_id: UUID, claims: Caller) -> RegistrationOut:
        """Submit (AV): to the school of first choice, or in Zaanstad to the primary school."""
        return current(await registrations.submit(claims, pupil_id))

    @router.post("/pupils/{pupil_id}/registration/withdrawal", response_model=RegistrationsOut)
    async def withdraw(pupil_id: UUID, claims: Caller) -> RegistrationsOut:
        """Withdraw a submitted registration during the window, to register again; it stays in the history."""
        return of(await registrations.withdraw(claims, pupil_id))

    return router
