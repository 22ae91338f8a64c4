"""dossier's refusals as HTTP answers, and who is calling."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import Request

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, Role, TokenVerifier
from loket.dossier.domain.access import Caller
from loket.dossier.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from loket.dossier.persistence.organisation import Organisation

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token from identity."},
    403: {"description": "The caller reaches the object but may not do this."},
    404: {"description": "No such object, or not one the caller reaches."},
}


def caller(database: Database, verifier: TokenVerifier) -> Callable[..., Awaitable[Caller]]:
    """The caller as its token says; for a school user also the groups it teaches here."""
    verified = bearer(verifier)

    async def current(claims: Annotated[Claims, Depends(verified)]) -> Caller:
        taught: set[tuple[str, str]] = set()
        if claims.role is Role.SCHOOL_USER:
            async with database.transaction() as session:
                taught = await Organisation(session).taught_by(claims.sub)
        return Caller.of(claims, taught)

    return current


def invalid(field: str, problem: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": ["body", *field.split(".")], "msg": problem, "type": "value_error"}],
    )


@contextmanager
def answered() -> Iterator[None]:
    try:
        yield
    except Invalid as exc:
        raise invalid(exc.field, exc.problem) from None
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except Conflict as exc:
        detail = {"message": str(exc), "missing": exc.details} if exc.details else str(exc)
        raise HTTPException(status.HTTP_409_CONFLICT, detail) from None


async def validation_failed(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without echoing what was sent: a body can hold a BSN or a child's name."""
    assert isinstance(exc, RequestValidationError)
    errors = [{key: error[key] for key in ("type", "loc", "msg") if key in error} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
