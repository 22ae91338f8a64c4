"""Files a school imports, over HTTP: the doorstroomtoets results (CSV, see `domain/doorstroomtoets_file.py`),
answered with a report per row: matched (and recorded, unchanged or skipped), ambiguous with its
candidates, unmatched, or failed with the reason; and the export of its pupil administration (CSV, see
`domain/las_csv.py`), answered with a report per pupil: created, changed, skipped, unchanged or failed."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from loket.contracts.runtime.paths import Brin
from loket.dossier.application.doorstroomtoets_import import DoorstroomtoetsImport
from loket.dossier.application.pupil_import import PupilImport
from loket.dossier.domain.access import Caller
from loket.dossier.http.caller import REFUSALS, Calling

MAX_FILE_BYTES = 5_000_000
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "Header `achternaam;voorvoegsel;roepnaam;geboortedatum;toets;advies`, one row per pupil.",
    }
}


LAS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "The export of the school's pupil administration, `;`-separated, with a header row: "
        "`leerlingnummer;bsn;roepnaam;tussenvoegsel;achternaam;geboortedatum;groep;straat;huisnummer;postcode;"
        "woonplaats;ouder1_naam;ouder1_email;ouder1_telefoon;ouder2_naam;ouder2_email;ouder2_telefoon` "
        "(required: leerlingnummer, roepnaam, achternaam, geboortedatum dd-mm-jjjj).",
    }
}


class KeptField(BaseModel):
    field: str = Field(description="The column whose value the dossier kept.")
    reason: str


class ImportedPupil(BaseModel):
    line: int
    pupil_number: str = Field(description="The school's own pupil number (leerlingnummer).")
    pupil_id: UUID
    elk_number: str
    given_name: str
    family_name: str
    fields: list[str] = Field(default_factory=list, description="The columns whose values the import took over.")
    linked: bool = Field(default=False, description="A pupil registered by hand, now linked by its pupil number.")
    kept: list[KeptField] = Field(default_factory=list, description="Fields the dossier kept, and why.")


class FailedRow(BaseModel):
    line: int
    pupil_number: str | None
    field: str = Field(description="The column, or `file`.")
    reason: str


class PupilImportReportOut(BaseModel):
    created: list[ImportedPupil] = Field(description="New pupils: an ELK number each, the parent login not sent.")
    changed: list[ImportedPupil]
    skipped: list[ImportedPupil] = Field(description="Nothing taken over: only fields changed by hand, kept.")
    unchanged: list[ImportedPupil]
    failed: list[FailedRow] = Field(description="Rows not applied at all: line, column and reason.")


class ImportReportOut(BaseModel):
    matched: list[dict[str, Any]]
    ambiguous: list[dict[str, Any]]
    unmatched: list[dict[str, Any]]
    failed: list[dict[str, Any]]


async def csv_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_FILE_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the file is larger than 5 MB")
    return body


def imports_router(doorstroomtoets: DoorstroomtoetsImport, pupil_import: PupilImport, calling: Calling) -> APIRouter:
    router = APIRouter(prefix="/schools/{brin}", tags=["imports"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.post("/doorstroomtoets", response_model=ImportReportOut, openapi_extra=CSV_BODY)
    async def import_doorstroomtoets(
        brin: Brin,
        request: Request,
        me: Me,
        overwrite: Annotated[bool, Query(description="Overschrijven: replace results already recorded.")] = False,
    ) -> ImportReportOut:
        """The school's own staff import the doorstroomtoets results of the pupils they see. Rows that do
        not fit exactly one pupil (twins, a name spelled differently) are listed, never guessed."""
        report = await doorstroomtoets.run(me, brin, await csv_body(request), overwrite=overwrite)
        return ImportReportOut(
            matched=report.matched, ambiguous=report.ambiguous, unmatched=report.unmatched, failed=report.failed
        )

    @router.post("/pupil-import", response_model=PupilImportReportOut, openapi_extra=LAS_BODY)
    async def import_pupils(
        brin: Brin,
        request: Request,
        me: Me,
        overwrite: Annotated[
            bool, Query(description="Overschrijven: also replace fields staff changed by hand in the dossier.")
        ] = False,
    ) -> PupilImportReportOut:
        """Leerlingen overhalen: the school's own staff (who see the whole school) bring its pupils over from
        the export of its pupil administration. New pupils are registered (nobody is mailed); known ones,
        matched by pupil number, BSN, or for pupils registered by hand their exact name and birth date, get
        empty fields filled and fields the LAS changed updated; fields changed by hand are kept unless
        `overwrite`. A row with a problem is not applied at all; a file without the needed columns: 422."""
        report = await pupil_import.run_las_csv(me, brin, await csv_body(request), overwrite=overwrite)
        return PupilImportReportOut.model_validate(report, from_attributes=True)

    return router
