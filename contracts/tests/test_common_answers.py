"""What the runtime answers for every route, every route documents (`errors.document_common_answers`):
503 with `Retry-After` everywhere, 401 where a bearer token is taken, 400 where a body is, and FastAPI's
own 422 beside a route's own. identity's keys out of reach are such a 503 too."""

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from loket_test_support import TokenAuthority
from pydantic import BaseModel

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.errors import answer_problems
from loket.contracts.tokens import Claims, TokenVerifier


class Note(BaseModel):
    text: str


class OwnRefusal(BaseModel):
    detail: str
    code: str


def app_with(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    answer_problems(app)

    @app.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    @app.post("/notes", responses={422: {"model": OwnRefusal}})
    async def notes(note: Note, claims: Annotated[Claims, Depends(bearer(verifier))]) -> dict[str, str]:
        return {}

    return app


def test_every_operation_documents_what_the_runtime_answers_for_it() -> None:
    paths = app_with(TokenVerifier(jwks_url="http://127.0.0.1:9/jwks", issuer="i", region="r")).openapi()["paths"]

    opened, noted = paths["/open"]["get"]["responses"], paths["/notes"]["post"]["responses"]
    assert set(opened) == {"200", "503"}
    assert "Retry-After" in opened["503"]["headers"]
    assert {"200", "400", "401", "422", "503"} <= set(noted)
    assert noted["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Unauthenticated"}
    assert noted["422"]["content"]["application/json"]["schema"]["anyOf"][1] == {
        "$ref": "#/components/schemas/HTTPValidationError"
    }


async def test_identitys_keys_out_of_reach_is_a_503_with_retry_after() -> None:
    app = app_with(TokenVerifier(jwks_url="http://127.0.0.1:9/jwks", issuer="i", region="r"))  # nothing listens
    authority = TokenAuthority()
    token = authority.mint()
    authority.close()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service") as client:
        answer = await client.post("/notes", json={"text": "x"}, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.json()["code"] == "unavailable"
