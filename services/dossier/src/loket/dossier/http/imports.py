"""Files a school imports, over HTTP: today the doorstroomtoets results (CSV, see
`domain/doorstroomtoets_file.py`). The answer is a report per row: matched (and recorded, unchanged or
skipped), ambiguous with its candidates, unmatched, or failed with the reason."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel

from loket.contracts.runtime.database import Database
from loket.contracts.tokens import TokenVerifier
from loket.dossier.domain.access import Caller
from loket.dossier.doorstroomtoets_import import DoorstroomtoetsImport
from loket.dossier.http.answers import REFUSALS, answered, caller

MAX_FILE_BYTES = 5_000_000
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "Header `achternaam;voorvoegsel;roepnaam;geboortedatum;toets;advies`, one row per pupil.",
    }
}


class ImportReportOut(BaseModel):
    matched: list[dict[str, Any]]
    ambiguous: list[dict[str, Any]]
    unmatched: list[dict[str, Any]]
    failed: list[dict[str, Any]]


def decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")  # a spreadsheet's export on Windows


def imports_router(database: Database, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/schools/{brin}", tags=["imports"], responses=REFUSALS)
    importer = DoorstroomtoetsImport(database)
    Calling = Annotated[Caller, Depends(caller(database, verifier))]

    @router.post("/doorstroomtoets", response_model=ImportReportOut, openapi_extra=CSV_BODY)
    async def import_doorstroomtoets(
        brin: str,
        request: Request,
        me: Calling,
        overwrite: Annotated[bool, Query(description="Overschrijven: replace results already recorded.")] = False,
    ) -> ImportReportOut:
        """The school's own staff import the doorstroomtoets results of the pupils they see. Rows that do
        not fit exactly one pupil (twins, a name spelled differently) are listed, never guessed."""
        body = await request.body()
        if len(body) > MAX_FILE_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the file is larger than 5 MB")
        with answered():
            report = await importer.run(me, brin, decoded(body), overwrite=overwrite)
        return ImportReportOut(
            matched=report.matched, ambiguous=report.ambiguous, unmatched=report.unmatched, failed=report.failed
        )

    return router
