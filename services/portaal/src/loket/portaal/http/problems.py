"""What a person sees when a page cannot be shown: signed out, a form from elsewhere, a service that does
not answer, another person's object, a page that does not exist. Always a page in the person's language,
never a service's English `detail` or a stack trace."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.portaal.i18n import N_
from loket.portaal.pages import errors_of, render, translate
from loket.portaal.security import FormExpired
from loket.portaal.services import Problem, Refusal, SignedOut, Unavailable

NOT_FOUND = (N_("Page not found"), N_("This page does not exist, or you cannot see it."))
TRY_AGAIN = (N_("Please try again"), N_("This form was open too long or came from somewhere else. Please try again."))
UNAVAILABLE = (
    N_("Loket cannot be reached"),
    N_("Loket cannot be reached right now. Please try again in a few minutes."),
)
WRONG = (N_("Something went wrong"), N_("Something went wrong. Please check what you filled in and try again."))


def problem(
    request: Request,
    status: int,
    words: tuple[str, str],
    *,
    back: str | None = None,
    problems: Sequence[Problem] = (),
) -> Response:
    title, text = words
    errors = errors_of(request, list(problems))
    return render(
        request,
        "pages/problem.html",
        status,
        title=translate(request, title),
        text=None if errors else translate(request, text),
        back=back,
        errors=errors,
    )


def answer_problems(app: FastAPI) -> None:
    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, exc: SignedOut) -> Response:
        """To the login; when identity ended the session (it ran out), the login page says so."""
        here = request.url.path
        target = f"/login?next={here}" if request.method == "GET" else "/login"
        if exc.ended:
            target += "&ended=1" if "?" in target else "?ended=1"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, _: FormExpired) -> Response:
        return problem(request, 400, TRY_AGAIN, back=request.url.path)

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, _: Unavailable) -> Response:
        return problem(request, 503, UNAVAILABLE, back=request.url.path)

    @app.exception_handler(Refusal)
    async def refused(request: Request, refusal: Refusal) -> Response:
        """A refusal no page handled itself: another person's object (403/404) looks like a missing one."""
        if refusal.status in (403, 404):
            return problem(request, 404, NOT_FOUND)
        unplaced = [Problem(found.code, None, found.ctx) for found in refusal.problems]
        status = refusal.status if refusal.status < 500 else 502
        return problem(request, status, (N_("This cannot be done now"), ""), back="/", problems=unplaced)

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/static/"):
            return Response(status_code=exc.status_code)
        return problem(
            request, 404 if exc.status_code == 404 else exc.status_code, NOT_FOUND if exc.status_code == 404 else WRONG
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _: RequestValidationError) -> Response:
        return problem(request, 400, WRONG)
