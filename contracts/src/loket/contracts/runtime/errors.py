"""Every service answers a refusal (`loket.contracts.errors`) the same way: its status, its body."""

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from starlette.requests import Request

from loket.contracts.errors import Problem


async def answer_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return JSONResponse(jsonable_encoder(exc.body()), status_code=exc.status, headers=exc.headers)


def answer_problems(app: FastAPI) -> None:
    app.add_exception_handler(Problem, answer_problem)
