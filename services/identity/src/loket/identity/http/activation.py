"""The page a parent reaches from the activation mail.

A GET only shows the form and consumes nothing (mail scanners open links); the POST answers the two
questions (the child's school, picked by its name, and birth date), sets the password, uses the link
up and logs the parent in: the session cookie, as `POST /login` sets it. The pages are in Dutch and
English and send `Referrer-Policy: no-referrer`, so the token in the URL never leaks to another site.
A client that asks for `application/json` gets the same answers as JSON, the access token included.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from loket.identity.activation import Activated, Activation, ActivationForm, ActivationProblem
from loket.identity.domain.accounts import MIN_PASSWORD_LENGTH
from loket.identity.http.caller import client_address, too_many
from loket.identity.http.login import access_of, keep_session
from loket.identity.security import Throttled

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def activation_router(activation: Activation, *, secure: bool) -> APIRouter:
    router = APIRouter(tags=["activation"])

    def answer(request: Request, status: int, **context: Any) -> Response:
        form: ActivationForm | None = context.pop("form", None)
        if form is not None:
            context.update(
                username=form.username,
                schools=form.schools,
                attempts_left=form.attempts_left,
            )
        response: Response
        if wants_json(request):
            body = {
                key: value
                for key, value in context.items()
                if key in ("detail", "username", "attempts_left", "activated")
            }
            if form is not None:
                body["schools"] = [{"brin": school.brin, "name": school.name} for school in form.schools]
            response = JSONResponse(body, status_code=status)
        else:
            response = templates.TemplateResponse(
                request, "activate.html", {"min_length": MIN_PASSWORD_LENGTH, **context}, status_code=status
            )
        response.headers.update(PRIVATE_HEADERS)
        return response

    def refused(request: Request, result: ActivationProblem | Throttled, **typed: str) -> Response:
        if isinstance(result, Throttled):
            error = too_many(result)
            response = answer(request, error.status_code, detail=error.detail)
            response.headers["Retry-After"] = str(result.retry_after)
            return response
        return answer(request, result.status, detail=result.message, form=result.form, **typed)

    @router.get("/activate/{token}", response_class=HTMLResponse)
    async def show_form(request: Request, token: str) -> Response:
        """The form: the child's school and birth date, and a password. Opening it uses nothing up."""
        opened = await activation.open(token)
        if isinstance(opened, ActivationProblem):
            return refused(request, opened)
        return answer(request, 200, form=opened)

    @router.post(
        "/activate/{token}",
        response_class=HTMLResponse,
        responses={
            200: {"description": "activated and logged in (JSON: the access token, as `POST /login`)"},
            404: {},
            410: {"description": "used, expired or locked"},
            422: {"description": "a wrong answer or a password that does not do"},
            429: {},
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
            response = answer(request, 200, activated=True, username=result.username)
        keep_session(response, result.started, secure=secure)
        return response

    return router
