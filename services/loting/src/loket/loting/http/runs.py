"""The lottery ceremony over HTTP: request a run, enter its seed, download its files and its
proces-verbaal, retry a failed run.

A step in the wrong order is answered 409 and changes nothing; input the ceremony cannot take is
answered 422 and stores nothing. Files are served as their exact stored bytes.

Only a region administrator (the operator who runs the ceremony with the notary at the table) may
use these routes, with identity's token. `entered_by` names the person who entered the seed (the
notary, who need not have an account); the token says whose session it was entered in.
"""

from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field

from loket.contracts.events import SeedSource as DeclaredSource
from loket.contracts.runtime.auth import require_role
from loket.contracts.runtime.downloads import content_disposition
from loket.contracts.tokens import Role, TokenVerifier
from loket.loting.application import ceremony, reports

if TYPE_CHECKING:
    from loket.contracts.runtime.unit_of_work import Work

Text = Annotated[str, Field(min_length=1, max_length=200)]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    market: dict[str, Any] = Field(description="A loting-market/1 market without its `seed`.")
    seed_sources: list[DeclaredSource] = Field(
        description="Where the seed will come from, in the order it counts: one notary, any public beacons.",
        examples=[[{"kind": "notary"}, {"kind": "beacon", "name": "drand quicknet", "round": 12345}]],
    )
    label: Text


class SeedEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entered_by: Text = Field(description="Who entered the seed, e.g. the notary's name and office.")
    values: dict[str, str] = Field(
        description="One value per declared source: `notary`, and `beacon:<name>:<round>` for each beacon.",
        examples=[{"notary": "7 3 1 9 4 4", "beacon:drand quicknet:12345": "ab" * 32}],
    )


REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only a region administrator runs the ceremony."},
    404: {"description": "No such run."},
    409: {"description": "Not in this state: a step out of order, or no such file yet."},
}


def runs_router(work: "Work[Any]", verifier: TokenVerifier) -> APIRouter:
    operator = require_role(verifier, Role.REGION_ADMIN)
    router = APIRouter(prefix="/runs", tags=["runs"], dependencies=[Depends(operator)], responses=REFUSALS)

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def request(body: RunRequest, response: Response) -> dict[str, Any]:
        """Step 1: commit to a market that has no seed yet. Its hash is published before any seed exists."""
        run = await ceremony.request_run(work, market=body.market, sources=body.seed_sources, label=body.label)
        response.headers["Location"] = f"/runs/{run['id']}"
        return run

    @router.get("/{run_id}")
    async def show(run_id: UUID) -> dict[str, Any]:
        return await reports.show(work, run_id)

    @router.post("/{run_id}/seed")
    async def seed(run_id: UUID, body: SeedEntry) -> dict[str, Any]:
        """Step 2: enter a value for each declared source, once the commitment has been published."""
        return await ceremony.enter_seed(work, run_id, entered_by=body.entered_by, values=body.values)

    @router.post("/{run_id}/retry")
    async def retry(run_id: UUID) -> dict[str, Any]:
        """Run a failed run again, with the same market and seed."""
        return await ceremony.retry_run(work, run_id)

    @router.get("/{run_id}/proces-verbaal")
    async def proces_verbaal(run_id: UUID) -> dict[str, Any]:
        """Everything a notary's record of the ceremony needs, and how to check each step."""
        return await reports.proces_verbaal(work, run_id)

    def download(what: reports.File, description: str) -> None:
        @router.get(
            f"/{{run_id}}/{what}",
            response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": description}},
            name=f"download_{what.replace('-', '_')}",
            summary=f"Download the {what.replace('-', ' ')}",
        )
        async def file(run_id: UUID) -> Response:
            sha256, content = await reports.download(work, run_id, what)
            named = content_disposition("inline", f"{run_id}.{what}.json")
            return Response(
                content, media_type="application/json", headers={"ETag": f'"{sha256}"', "Content-Disposition": named}
            )

    download("commitment", "The market without its seed, exactly as committed (canonical JSON).")
    download("seed-record", "What the seed is derived from; its SHA-256 is the seed.")
    download("market", "The market file the lottery ran: the commitment with its seed (loting-market/1).")
    download("result", "The result file (loting-result/1), exactly as the engine wrote it.")
    return router
