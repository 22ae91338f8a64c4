"""The lottery ceremony over HTTP: request a run, enter its seed, download its files and its
proces-verbaal, retry a failed run.

A step in the wrong order is answered 409 and changes nothing; input the ceremony cannot take is
answered 422 and stores nothing. Files are served as their exact stored bytes.

Only a region administrator (the operator who runs the ceremony with the notary at the table) may
use these routes, with identity's token. `entered_by` names the person who entered the seed (the
notary, who need not have an account); the token says whose session it was entered in.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field

from loket.contracts.events import SeedSource as DeclaredSource
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.auth import require_role
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Role, TokenVerifier
from loket.loting.domain.ceremony import InvalidInput, OutOfOrder
from loket.loting.persistence.models import Run
from loket.loting.persistence.repository import Runs
from loket.loting.report import notarial_report, summary
from loket.loting.runs import RunNotFound, enter_seed, find, request_run, retry_run, sources_from

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


@contextmanager
def answering(run_id: UUID | None = None) -> Iterator[None]:
    """Turn the ceremony's refusals into answers; raised inside a transaction, they roll it back."""
    try:
        yield
    except RunNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} does not exist") from None
    except OutOfOrder as refused:
        raise HTTPException(status.HTTP_409_CONFLICT, f"run {run_id}: {refused}") from None
    except InvalidInput as refused:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None


def runs_router(database: Database, outbox: Outbox, verifier: TokenVerifier) -> APIRouter:
    operator = require_role(verifier, Role.REGION_ADMIN)
    router = APIRouter(prefix="/runs", tags=["runs"], dependencies=[Depends(operator)])

    async def answer(run: Run) -> dict[str, Any]:
        async with database.transaction() as session:
            return summary(run, await Runs(session).seed(run.id))

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def request(body: RunRequest, response: Response) -> dict[str, Any]:
        """Step 1: commit to a market that has no seed yet. Its hash is published before any seed exists."""
        sources = sources_from(body.seed_sources)
        with answering():
            run = await request_run(database, outbox, market=body.market, sources=sources, label=body.label)
        response.headers["Location"] = f"/runs/{run.id}"
        return await answer(run)

    @router.get("/{run_id}")
    async def show(run_id: UUID) -> dict[str, Any]:
        with answering(run_id):
            async with database.transaction() as session:
                run = await find(session, run_id)
                return summary(run, await Runs(session).seed(run_id))

    @router.post("/{run_id}/seed")
    async def seed(run_id: UUID, body: SeedEntry) -> dict[str, Any]:
        """Step 2: enter a value for each declared source, once the commitment has been published."""
        with answering(run_id):
            run = await enter_seed(database, outbox, run_id, entered_by=body.entered_by, values=body.values)
        return await answer(run)

    @router.post("/{run_id}/retry")
    async def retry(run_id: UUID) -> dict[str, Any]:
        """Run a failed run again, with the same market and seed."""
        with answering(run_id):
            run = await retry_run(database, outbox, run_id)
        return await answer(run)

    @router.get("/{run_id}/proces-verbaal")
    async def proces_verbaal(run_id: UUID) -> dict[str, Any]:
        """Everything a notary's record of the ceremony needs, and how to check each step."""
        with answering(run_id):
            async with database.transaction() as session:
                return await notarial_report(session, await find(session, run_id))

    def download(what: str, description: str) -> None:
        @router.get(
            f"/{{run_id}}/{what}",
            response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": description}},
            name=f"download_{what.replace('-', '_')}",
            summary=f"Download the {what.replace('-', ' ')}",
        )
        async def file(run_id: UUID) -> Response:
            with answering(run_id):
                async with database.transaction() as session:
                    run = await find(session, run_id)
                    runs = Runs(session)
                    seed = await runs.seed(run_id)
                    sha256 = {
                        "commitment": run.commitment_sha256,
                        "seed-record": seed.seed if seed else None,
                        "market": run.market_sha256,
                        "result": run.result_sha256,
                    }[what]
                    if sha256 is None:
                        raise HTTPException(status.HTTP_409_CONFLICT, f"run {run_id} is {run.state}: no {what} yet")
                    content = await runs.content(sha256)
            return Response(
                content,
                media_type="application/json",
                headers={"ETag": f'"{sha256}"', "Content-Disposition": f'inline; filename="{run_id}.{what}.json"'},
            )

    download("commitment", "The market without its seed, exactly as committed (canonical JSON).")
    download("seed-record", "What the seed is derived from; its SHA-256 is the seed.")
    download("market", "The market file the lottery ran: the commitment with its seed (loting-market/1).")
    download("result", "The result file (loting-result/1), exactly as the engine wrote it.")
    return router
