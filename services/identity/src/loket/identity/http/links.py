"""The pages a staff member reaches from an invitation mail, and anyone from a password reset mail,
and the request for a reset mail.

A GET only shows the form and consumes nothing (mail scanners open links); the POST that sets the
password uses the link up. The pages send `Referrer-Policy: no-referrer` and `Cache-Control:
no-store`, so the token in the URL never leaks to another site or stays in a cache.
"""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from loket.identity.domain.accounts import MIN_PASSWORD_LENGTH
from loket.identity.http.caller import client_address, too_many
from loket.identity.links import LinkKind, LinkOpen, LinkRefused, PasswordLinks, PasswordSet
from loket.identity.security import Throttled

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
PAGES = {
    LinkKind.INVITATION: {"title": "Wachtwoord kiezen", "title_en": "Choose your password", "button": "Opslaan · Save"},
    LinkKind.RESET: {"title": "Nieuw wachtwoord", "title_en": "New password", "button": "Opslaan · Save"},
}
RESET_REQUESTED = (
    "Als er een account met deze gebruikersnaam bestaat, is er een mail onderweg naar het adres dat erbij hoort. / "
    "If an account with this username exists, an e-mail is on its way to its address."
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class ResetRequest(BaseModel):
    username: str = Field(max_length=320, description="A staff member's e-mail address, or a parent's ELK number.")


class ResetRequested(BaseModel):
    detail: str = RESET_REQUESTED


def links_router(links: PasswordLinks) -> APIRouter:
    router = APIRouter(tags=["links"])

    def page(
        request: Request, kind: LinkKind, result: LinkOpen | LinkRefused | PasswordSet | Throttled
    ) -> HTMLResponse:
        context: dict[str, object] = {**PAGES[kind], "min_length": MIN_PASSWORD_LENGTH}
        status_code = status.HTTP_200_OK
        if isinstance(result, Throttled):
            error = too_many(result)
            context["refused"], status_code = error.detail, error.status_code
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

    async def show(request: Request, kind: LinkKind, token: str) -> HTMLResponse:
        return page(request, kind, await links.open(kind, token, client_address(request)))

    async def submit(request: Request, kind: LinkKind, token: str, password: str, repeated: str) -> HTMLResponse:
        result = await links.set_password(kind, token, password, repeated, client_address(request))
        return page(request, kind, result)

    @router.get("/invitation/{token}", response_class=HTMLResponse)
    async def show_invitation(request: Request, token: str) -> HTMLResponse:
        """The form to choose a password; opening it uses nothing up."""
        return await show(request, LinkKind.INVITATION, token)

    @router.post("/invitation/{token}", response_class=HTMLResponse)
    async def accept_invitation(
        request: Request, token: str, password: Annotated[str, Form()], password_repeat: Annotated[str, Form()]
    ) -> HTMLResponse:
        """Set the password: the account is activated and the link used up."""
        return await submit(request, LinkKind.INVITATION, token, password, password_repeat)

    @router.get("/reset/{token}", response_class=HTMLResponse)
    async def show_reset(request: Request, token: str) -> HTMLResponse:
        return await show(request, LinkKind.RESET, token)

    @router.post("/reset/{token}", response_class=HTMLResponse)
    async def reset(
        request: Request, token: str, password: Annotated[str, Form()], password_repeat: Annotated[str, Form()]
    ) -> HTMLResponse:
        """Set a new password: the link is used up and every session of the account ends."""
        return await submit(request, LinkKind.RESET, token, password, password_repeat)

    @router.post(
        "/password-reset",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ResetRequested,
        tags=["login"],
        responses={429: {}},
    )
    async def request_reset(asked: ResetRequest, request: Request) -> ResetRequested:
        """Forgotten password: the same answer whether the account exists or not; if it does, a mail."""
        throttled = await links.request_reset(asked.username, client_address(request))
        if throttled is not None:
            raise too_many(throttled)
        return ResetRequested()

    return router
