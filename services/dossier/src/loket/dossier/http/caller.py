"""Who is calling, what every route may answer besides its own answer, and FastAPI's 422 without the
input. Refusals (`loket.contracts.errors`) are answered by the shared runtime."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import Request

from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier
from loket.dossier.application.callers import Callers
from loket.dossier.domain.access import Caller

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token from identity."},
    403: {"description": "The caller reaches the object but may not do this."},
    404: {"description": "No such object, or not one the caller reaches."},
}

Calling = Callable[..., Awaitable[Caller]]


def caller(callers: Callers, verifier: TokenVerifier) -> Calling:
    """The caller as its token says; for a school user also the groups it teaches here."""
    verified = bearer(verifier)

    async def current(claims: Annotated[Claims, Depends(verified)]) -> Caller:
        return await callers.of(claims)

    return current


async def validation_failed(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without echoing what was sent: a body can hold a BSN or a child's name."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: error[key] for key in ("type", "loc", "msg") if key in error} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
