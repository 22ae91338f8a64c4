"""The pages a staff member reaches from an invitation mail, and anyone from a password reset mail,
and the request for a reset mail.

A GET only shows the form and consumes nothing (mail scanners open links); the POST that sets the
password uses the link up. The pages send `Referrer-Policy: no-referrer` and `Cache-Control:
no-store`, so the token in the URL never leaks to another site or stays in a cache.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from loket.identity.application.context import Throttled
from loket.identity.application.links import LinkKind, LinkOpen, LinkRefused, PasswordLinks, PasswordSet
from loket.identity.application.password_reset import ResetRequests
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

PAGES = {
    LinkKind.INVITATION: {"title": "Wachtwoord kiezen", "title_en": "Choose your password", "button": "Opslaan · Save"},
    LinkKind.RESET: {"title": "Nieuw wachtwoord", "title_en": "New password", "button": "Opslaan · Save"},
}
RESET_REQUESTED = (
    "Als er een account met deze gebruikersnaam bestaat, is er een mail onderweg naar het adres dat erbij hoort. / "
    "If an account with this username exists, an e-mail is on its way to its address."
)

NO_NUL = r"^[^\x00]*$"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class ResetRequest(BaseModel):
    username: str = Field(
        max_length=320,
        pattern=NO_NUL,  # no account has one, and PostgreSQL cannot even be asked (a 500 under the fuzzer)
        description="A staff member's e-mail address, or a parent's ELK number.",
    )


class ResetRequested(BaseModel):
    detail: str = RESET_REQUESTED


class LinkFormOut(BaseModel):
    """`GET` as JSON: whose password the link sets."""

    username: str = Field(description="The account's username: an e-mail address, or a parent's ELK number.")


class PasswordSetOut(BaseModel):
    """`POST` as JSON: the password is set (an invitation: the account is activated; a reset: every session
    of the account ended). Nobody is logged in: the account holder logs in with `POST /login`."""

    username: str
    password_set: bool = True


class LinkProblemOut(Problem):
    """A refusal; a 422 (a password that does not do) names the account again."""

    username: str | None = None
    min_length: int | None = Field(default=None, description="`password_too_short`: the least length.")


FORM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": LinkFormOut, "content": HTML, "description": "the form (JSON: whose password it sets)"},
    404: {"model": Problem, "description": "`link_unknown`"},
    410: {"model": Problem, "description": "`link_used` or `link_expired`"},
    429: {"model": Problem, "description": "`throttled`"},
}
SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **FORM_RESPONSES,
    200: {"model": PasswordSetOut, "content": HTML, "description": "the password is set"},
    422: {
        "model": LinkProblemOut,
        "description": "`passwords_differ`, `password_too_short`, `password_repetitive`, `password_like_username` "
        "or `password_common`; or FastAPI's own validation",
    },
}


def links_router(links: PasswordLinks, resets: ResetRequests) -> APIRouter:
    router = APIRouter(tags=["links"])

    def answer(request: Request, kind: LinkKind, result: LinkOpen | LinkRefused | PasswordSet | Throttled) -> Response:
        if wants_json(request):
            return as_json(result)
        context: dict[str, object] = {**PAGES[kind], "min_length": MIN_PASSWORD_LENGTH}
        status_code = status.HTTP_200_OK
        if isinstance(result, Throttled):
            context["refused"], status_code = throttled_detail(result), status.HTTP_429_TOO_MANY_REQUESTS
        elif isinstance(result, LinkRefused):
            status_code = result.status
            if result.status == status.HTTP_422_UNPROCESSABLE_CONTENT:
                context.update(problem=result.message, username=result.username)
            else:
                context["refused"] = result.message
        elif isinstance(result, PasswordSet):
            context.update(done=True, username=result.username)
        else:
            context["username"] = result.username
        response = templates.TemplateResponse(request, "set_password.html", context, status_code=status_code)
        response.headers.update(PRIVATE_HEADERS)
        if isinstance(result, Throttled):
            response.headers["Retry-After"] = str(result.retry_after)
        return response

    def as_json(result: LinkOpen | LinkRefused | PasswordSet | Throttled) -> Response:
        if isinstance(result, Throttled):
            return too_many(result, PRIVATE_HEADERS)
        if isinstance(result, LinkRefused):
            extra = {} if result.username is None else {"username": result.username}
            body = problem_body(result.message, result.code, result.field, **result.facts, **extra)
            return JSONResponse(body, status_code=result.status, headers=PRIVATE_HEADERS)
        if isinstance(result, PasswordSet):
            return JSONResponse(PasswordSetOut(username=result.username).model_dump(), headers=PRIVATE_HEADERS)
        return JSONResponse(LinkFormOut(username=result.username).model_dump(), headers=PRIVATE_HEADERS)

    async def show(request: Request, kind: LinkKind, token: str) -> Response:
        return answer(request, kind, await links.open(kind, token, client_address(request)))

    async def submit(request: Request, kind: LinkKind, token: str, password: str, repeated: str) -> Response:
        result = await links.set_password(kind, token, password, repeated, client_address(request))
        return answer(request, kind, result)

    @router.get("/invitation/{token}", responses=FORM_RESPONSES)
    async def show_invitation(request: Request, token: str) -> Response:
        """The form to choose a password; opening it uses nothing up."""
        return await show(request, LinkKind.INVITATION, token)

    @router.post("/invitation/{token}", responses=SUBMIT_RESPONSES)
    async def accept_invitation(
        request: Request, token: str, password: Annotated[str, Form()], password_repeat: Annotated[str, Form()]
    ) -> Response:
        """Set the password: the account is activated and the link used up."""
        return await submit(request, LinkKind.INVITATION, token, password, password_repeat)

    @router.get("/reset/{token}", responses=FORM_RESPONSES)
    async def show_reset(request: Request, token: str) -> Response:
        """The form to choose a new password; opening it uses nothing up."""
        return await show(request, LinkKind.RESET, token)

    @router.post("/reset/{token}", responses=SUBMIT_RESPONSES)
    async def reset(
        request: Request, token: str, password: Annotated[str, Form()], password_repeat: Annotated[str, Form()]
    ) -> Response:
        """Set a new password: the link is used up and every session of the account ends."""
        return await submit(request, LinkKind.RESET, token, password, password_repeat)

    @router.post(
        "/password-reset",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ResetRequested,
        tags=["login"],
        responses={429: {"model": Problem, "description": "`throttled`"}},
    )
    async def request_reset(asked: ResetRequest, request: Request) -> Response:
        """Forgotten password: the same answer whether the account exists or not; if it does, a mail."""
        throttled = await resets.request(asked.username, client_address(request))
        if throttled is not None:
            return too_many(throttled)
        return JSONResponse(ResetRequested().model_dump(), status_code=status.HTTP_202_ACCEPTED)

    return router
