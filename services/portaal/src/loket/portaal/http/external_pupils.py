"""The region registers a pupil from outside the region (a buitenleerling): no OKI-doc, a B number, the
final advice the parents showed; then it sends the parent login.

dossier registers the pupil (`POST /external-pupils`, region administrators only) and sends the login
(`POST /pupils/{id}/parent-login`, which the region may for a buitenleerling), both with the region
administrator's own token. dossier has no list of buitenleerlingen (`GET /pupils` filters by school and
group only), so this room shows one pupil at a time: the one just registered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.contracts.brin import is_brin_with_location
from loket.portaal.http.account import client
from loket.portaal.http.primary import LOGIN_STATES
from loket.portaal.http.staff import signed_in_region_admin as region_admin
from loket.portaal.pages import errors_of, render
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

FIELDS = ("given_name", "family_name", "birth_date", "parent_email", "school_brin", "school_name", "final_advice")
# dossier's own refusal (a `value_error` at the field) in the words of this form
REFUSED_AT = {
    "school_brin": "external_school_in_region",  # the form's BRIN is well formed: dossier says it is the region's
    "birth_date": "birth_date_out_of_range",
    "final_advice": "advice_unknown",
    "parent_email": "email_invalid",
}
SENT = "sent"


def checked(form: dict[str, str]) -> list[Problem]:
    """The portal's own checks before dossier is asked: every field filled, the BRIN with its location."""
    problems = [Problem("required", key) for key in FIELDS if not form[key]]
    if form["school_brin"] and not is_brin_with_location(form["school_brin"]):
        problems.append(Problem("staff_school_invalid", "school_brin"))
    return problems


def refused(refusal: Refusal) -> list[Problem]:
    """dossier's 422 at the form's fields; anything else is not the form's."""
    if refusal.status != 422:
        raise refusal
    found = []
    for problem in refusal.problems:
        name = (problem.field or "").split(".")[0]
        if name not in FIELDS:
            found.append(Problem(problem.code, None, problem.ctx))
        elif problem.code == "value_error" or name == "parent_email":
            found.append(Problem(REFUSED_AT.get(name, problem.code), name, problem.ctx))
        else:
            found.append(Problem(problem.code, name, problem.ctx))
    return found or [Problem("value_error")]


def external_pupils_router(services: Services) -> APIRouter:
    router = APIRouter()

    async def advices() -> list[str]:
        found = (await services.anonymous("aanmelding", "GET", "/procedure")).json()
        return list(found.get("advices", []))

    async def form_page(request: Request, form: dict[str, str], status: int = 200, **context: Any) -> Response:
        return render(request, "pages/region/external.html", status, form=form, advices=await advices(), **context)

    async def external_pupil(request: Request, session: Session, pupil_id: str) -> dict[str, Any]:
        """The buitenleerling as dossier has it; a pupil of the region's own schools is not this room's."""
        found: dict[str, Any] = await services.json(
            session, "dossier", "GET", f"/pupils/{pupil_id}", client=client(request)
        )
        if not found.get("external"):
            raise HTTPException(404)
        return found

    @router.get("/region/external-pupils")
    async def register_form(request: Request) -> Response:
        region_admin(request)
        return await form_page(request, dict.fromkeys(FIELDS, ""))

    @router.post("/region/external-pupils")
    async def register(request: Request, form: CheckedForm) -> Response:
        """A buitenleerling: dossier gives the B number and opens registration on the advice shown."""
        session = region_admin(request)
        kept = {key: str(form.get(key) or "").strip() for key in FIELDS}
        kept["school_brin"] = kept["school_brin"].upper().replace(" ", "")
        problems = checked(kept)
        if not problems:
            try:
                created = await services.json(
                    session, "dossier", "POST", "/external-pupils", client=client(request), json=kept
                )
            except Refusal as refusal:
                problems = refused(refusal)
            else:
                return RedirectResponse(f"/region/external-pupils/{created['id']}", status_code=303)
        return await form_page(request, kept, 422, errors=errors_of(request, problems))

    @router.get("/region/external-pupils/{pupil_id}")
    async def registered(request: Request, pupil_id: str, done: str = "") -> Response:
        session = region_admin(request)
        pupil = await external_pupil(request, session, pupil_id)
        return render(
            request, "pages/region/external_pupil.html", pupil=pupil, sent=done == SENT, login_states=LOGIN_STATES
        )

    @router.post("/region/external-pupils/{pupil_id}/parent-login")
    async def send_login(request: Request, pupil_id: str, _: CheckedForm) -> Response:
        """The first parent gets the login by mail (username: the B number); asking again sends a new link."""
        session = region_admin(request)
        pupil = await external_pupil(request, session, pupil_id)
        try:
            await services.json(
                session,
                "dossier",
                "POST",
                f"/pupils/{pupil['id']}/parent-login",
                client=client(request),
                json={"parent": 1, "language": "nl"},
            )
        except Refusal as refusal:
            if refusal.status != 409:
                raise
            errors = errors_of(request, [Problem("parent_login_refused")])
            return render(
                request,
                "pages/region/external_pupil.html",
                409,
                pupil=pupil,
                sent=False,
                login_states=LOGIN_STATES,
                errors=errors,
            )
        return RedirectResponse(f"/region/external-pupils/{pupil['id']}?done={SENT}", status_code=303)

    return router
