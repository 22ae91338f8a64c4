"""Every service answers a refusal (`loket.contracts.errors`) the same way: its status, its body. A token
found wanting after the bearer check let it through (`Claims.account()`: its subject names no account)
is a 401 like any invalid token, wherever in the request it is noticed, never a 500. A request that meets
the database (or the broker) briefly away (`transient.is_transient`: a restart, a failover) is a 503 with
`Retry-After` and `{"detail", "code": "unavailable"}`, never a 500; any other unexpected error stays one."""

import logging

from fastapi import FastAPI, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.requests import Request

from loket.contracts.errors import Problem
from loket.contracts.runtime.transient import MAYBE_TRANSIENT, is_transient
from loket.contracts.tokens import InvalidToken, KeysUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


async def answer_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return JSONResponse(jsonable_encoder(exc.body()), status_code=exc.status, headers=exc.headers)


async def answer_invalid_token(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidToken)
    if isinstance(exc, KeysUnavailable):
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return JSONResponse(
        {"detail": str(exc)},
        status_code=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


async def answer_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if not is_transient(exc):
        raise exc  # a real error: Starlette's own handler answers 500 and logs it
    log.warning(
        "%s %s: the database or broker is unavailable (%s: %s); answered 503",
        request.method,
        getattr(request.scope.get("route"), "path", "?"),  # the route's template: some paths carry a token
        type(exc).__name__,
        str(exc).partition("\n")[0],
    )
    return JSONResponse(
        {
            "detail": "The service cannot reach its database right now. Try again in a few seconds.",
            "code": "unavailable",
        },
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def answer_problems(app: FastAPI) -> None:
    app.add_exception_handler(Problem, answer_problem)
    app.add_exception_handler(InvalidToken, answer_invalid_token)
    for kind in MAYBE_TRANSIENT:  # each answered 503 only when `is_transient` says so
        app.add_exception_handler(kind, answer_unavailable)
