"""The page a parent reaches from the activation mail.

A GET only shows the form and consumes nothing (mail scanners open links); the POST answers the two
questions (the child's school, picked by its name, and birth date), sets the password, uses the link
up and logs the parent in: the session cookie, as `POST /login` sets it. The pages are in Dutch and
English and send `Referrer-Policy: no-referrer`, so the token in the URL never leaks to another site.
A client that asks for `application/json` (the portal) gets the same answers as JSON, the access token
included, and every refusal with its stable `code` and the form `field` it concerns.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from loket.identity.application.activation import Activated, Activation, ActivationForm, ActivationProblem
from loket.identity.application.context import Throttled
from loket.identity.domain.passwords import MIN_PASSWORD_LENGTH
from loket.identity.http.caller import (
    HTML,
    PRIVATE_HEADERS,
    Problem,
    client_address,
    problem_body,
    throttled_detail,
    too_many,
    wants_json,
)
from loket.identity.http.login import AccessOut, access_of, keep_session

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class SchoolOut(BaseModel):
    brin: str
    name: str | None


class ActivationFormOut(BaseModel):
    """`GET /activate/{token}` as JSON: what the form asks."""

    username: str = Field(description="The username the account will have: the child's ELK number.")
    schools: list[SchoolOut] = Field(description="The schools to pick the child's from, by name; post the BRIN.")
    attempts_left: int = Field(description="Wrong answers the link still allows.")


class ActivationProblemOut(Problem):
    """A refusal; a 422 carries the form again (`username`, `schools`, `attempts_left`)."""

    username: str | None = None
    schools: list[SchoolOut] | None = None
    attempts_left: int | None = None
    min_length: int | None = Field(default=None, description="`password_too_short`: the least length.")


def form_body(form: ActivationForm) -> dict[str, Any]:
    return {
        "username": form.username,
        "schools": [{"brin": school.brin, "name": school.name} for school in form.schools],
        "attempts_left": form.attempts_left,
    }


def activation_router(activation: Activation, *, secure: bool) -> APIRouter:
    router = APIRouter(tags=["activation"])

    def page(request: Request, status: int, form: ActivationForm | None = None, **context: Any) -> Response:
        if form is not None:
            context.update(username=form.username, schools=form.schools, attempts_left=form.attempts_left)
        response = templates.TemplateResponse(
            request, "activate.html", {"min_length": MIN_PASSWORD_LENGTH, **context}, status_code=status
        )
        response.headers.update(PRIVATE_HEADERS)
        return response

    def show(request: Request, form: ActivationForm) -> Response:
        if wants_json(request):
            return JSONResponse(form_body(form), headers=PRIVATE_HEADERS)
        return page(request, 200, form)

    def refused(request: Request, result: ActivationProblem | Throttled, **typed: str) -> Response:
        """The refusal; an answer or password that does not do shows the form again with what was typed
        (HTML), or the form's facts beside the code (JSON)."""
        if isinstance(result, Throttled):
            if wants_json(request):
                return too_many(result, PRIVATE_HEADERS)
            response = page(request, 429, detail=throttled_detail(result))
            response.headers["Retry-After"] = str(result.retry_after)
            return response
        if wants_json(request):
            extra = {} if result.form is None else form_body(result.form)
            body = problem_body(result.message, result.code, result.field, **result.facts, **extra)
            return JSONResponse(body, status_code=result.status, headers=PRIVATE_HEADERS)
        return page(request, result.status, result.form, detail=result.message, **typed)

    @router.get(
        "/activate/{token}",
        responses={
            200: {"model": ActivationFormOut, "content": HTML, "description": "the form (JSON: what it asks)"},
            404: {"model": Problem, "description": "`link_unknown`"},
            410: {"model": Problem, "description": "`link_used`, `link_expired` or `link_locked`"},
        },
    )
    async def show_form(request: Request, token: str) -> Response:
        """The form: the child's school and birth date, and a password. Opening it uses nothing up."""
        opened = await activation.open(token)
        if isinstance(opened, ActivationProblem):
            return refused(request, opened)
        return show(request, opened)

    @router.post(
        "/activate/{token}",
        responses={
            200: {
                "model": AccessOut,
                "content": HTML,
                "description": "activated and logged in: the session cookie (JSON: the access token, as `POST /login`)",
            },
            404: {"model": Problem, "description": "`link_unknown`"},
            410: {"model": Problem, "description": "`link_used`, `link_expired` or `link_locked`"},
            422: {
                "model": ActivationProblemOut,
                "description": "`school_missing`, `birth_date_invalid`, `wrong_answers` (counted), "
                "`passwords_differ`, `password_too_short`, `password_repetitive`, `password_like_username`, "
                "`password_common`, with the form again; or FastAPI's own validation",
            },
            429: {"model": Problem, "description": "`throttled`"},
        },
    )
    async def activate(
        request: Request,
        token: str,
        password: Annotated[str, Form(max_length=1024)],
        password_repeat: Annotated[str, Form(max_length=1024)],
        school: Annotated[
            str, Form(max_length=16, description="The child's school: its BRIN (the form lists them by name).")
        ] = "",
        birth_date: Annotated[
            str, Form(max_length=32, description="The child's birth date: 2014-03-09 or 09-03-2014.")
        ] = "",
    ) -> Response:
        """Answer the questions and choose a password: the account is activated, the link used up, and the
        parent logged in (the session cookie). Wrong answers are counted; at the limit the link is locked."""
        result = await activation.activate(
            token, school, birth_date, password, password_repeat, client_address(request)
        )
        if not isinstance(result, Activated):
            return refused(request, result, chosen_school=school, typed_birth_date=birth_date)
        response: Response
        if wants_json(request):
            response = JSONResponse(access_of(result.started).model_dump(mode="json"))
            response.headers.update(PRIVATE_HEADERS)
        else:
            response = page(request, 200, activated=True, username=result.username)
        keep_session(response, result.started, secure=secure)
        return response

    return router
