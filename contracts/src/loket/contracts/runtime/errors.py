"""Every service answers a refusal (`loket.contracts.errors`) the same way: its status, its body. A token
found wanting after the bearer check let it through (`Claims.account()`: its subject names no account)
is a 401 like any invalid token, wherever in the request it is noticed, never a 500."""

from fastapi import FastAPI, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.requests import Request

from loket.contracts.errors import Problem
from loket.contracts.tokens import InvalidToken, KeysUnavailable


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


def answer_problems(app: FastAPI) -> None:
    app.add_exception_handler(Problem, answer_problem)
    app.add_exception_handler(InvalidToken, answer_invalid_token)
