"""Every service answers a refusal (`loket.contracts.errors`) the same way: its status, its body. A token
found wanting after the bearer check let it through (`Claims.account()`: its subject names no account)
is a 401 like any invalid token, wherever in the request it is noticed, never a 500. A request that meets
the database (or the broker) briefly away (`transient.is_transient`: a restart, a failover) is a 503 with
`Retry-After` and `{"detail", "code": "unavailable"}`, never a 500; any other unexpected error stays one.
So are identity's keys out of reach (`KeysUnavailable`): the caller is not at fault.

Because the runtime answers those for every route, it documents them for every route too
(`document_common_answers`): 503 on each operation, 401 on each that takes a bearer token, 400 on each
with a body (one that cannot be decoded; FastAPI's own answer, before any validation). A route
documents only the refusals of its own (`loket.contracts.errors`: 403, 404, 409, 422)."""

import logging
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI, status
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import validation_error_definition, validation_error_response_definition
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.requests import Request

from loket.contracts.errors import Problem
from loket.contracts.runtime.transient import MAYBE_TRANSIENT, is_transient
from loket.contracts.tokens import InvalidToken, KeysUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class Unauthenticated(BaseModel):
    """No access token, or one refused: expired, not identity's, another region's, or its subject names
    no account."""

    detail: str = Field(description="Why the token was refused.")


class Unreadable(BaseModel):
    """A request body that is not text at all (FastAPI: "There was an error parsing the body")."""

    detail: str


class Unavailable(BaseModel):
    """The database, the broker or identity's keys are out of reach for now: ask again after `Retry-After`."""

    detail: str
    code: Literal["unavailable"]


UNAUTHENTICATED_TEXT = "No valid access token from identity (`WWW-Authenticate: Bearer`)."
UNREADABLE_TEXT = "The body could not be read (not UTF-8)."
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Unavailable,
        "description": "The database, the broker or identity's keys are briefly out of reach.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    }
}


async def answer_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return JSONResponse(jsonable_encoder(exc.body()), status_code=exc.status, headers=exc.headers)


async def answer_invalid_token(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidToken)
    if isinstance(exc, KeysUnavailable):
        return unavailable(f"{exc}. Try again in a few seconds.")
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
    return unavailable("The service cannot reach its database right now. Try again in a few seconds.")


def unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail, "code": "unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def answer_problems(app: FastAPI) -> None:
    app.add_exception_handler(Problem, answer_problem)
    app.add_exception_handler(InvalidToken, answer_invalid_token)
    for kind in MAYBE_TRANSIENT:  # each answered 503 only when `is_transient` says so
        app.add_exception_handler(kind, answer_unavailable)
    document_common_answers(app)


def document_common_answers(app: FastAPI) -> None:
    """503 on every operation of the app; 401 on every one that takes a bearer token (its OpenAPI
    `security`) and 400 on every one with a request body, where the route did not describe them itself."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    app.router.responses = {**UNAVAILABLE, **app.router.responses}  # routes included from now on

    def openapi() -> dict[str, Any]:
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (Unauthenticated, Unreadable):
            schemas.setdefault(model.__name__, model.model_json_schema())
        for path in document.get("paths", {}).values():
            for operation in path.values():
                if operation.get("security"):
                    said = operation["responses"].get("401", {})
                    operation["responses"]["401"] = {**described(Unauthenticated, UNAUTHENTICATED_TEXT), **said}
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", described(Unreadable, UNREADABLE_TEXT))
                if "requestBody" in operation or operation.get("parameters"):
                    or_fastapis_own_422(operation["responses"], schemas)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def or_fastapis_own_422(responses: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A route that describes a 422 of its own (a refusal with a `code`) still answers FastAPI's own when
    its parameters or body do not validate: either may come."""
    own = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema")
    fastapis = {"$ref": "#/components/schemas/HTTPValidationError"}
    if own is None or own == fastapis or fastapis in own.get("anyOf", []):
        return
    responses["422"]["content"]["application/json"]["schema"] = {"anyOf": [own, fastapis]}
    schemas.setdefault("ValidationError", validation_error_definition)
    schemas.setdefault("HTTPValidationError", validation_error_response_definition)


def described(model: type[BaseModel], description: str) -> dict[str, Any]:
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"description": description, "content": {"application/json": {"schema": reference}}}
