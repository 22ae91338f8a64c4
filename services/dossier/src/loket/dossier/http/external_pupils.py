"""Buitenleerlingen over HTTP: the region registers a pupil from a primary school outside the region, who
then registers like any other (see `application/registration.py`)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from loket.dossier.application.registration import External, NewPupil, Registration
from loket.dossier.domain.access import Caller
from loket.dossier.http.caller import REFUSALS, Calling
from loket.dossier.http.pupils import PupilCreated


class ExternalPupilIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    school_brin: str = Field(description="The school of origin outside the region: BRIN with location, e.g. 09XY00.")
    school_name: str = Field(
        min_length=1, max_length=200, description="The school of origin's name; the parent is asked it at activation."
    )
    final_advice: str = Field(
        description="The final advice as the school of origin gave it (the parents show the letter): one level or "
        "two adjacent ones, low/high: pro, vmbo_b, vmbo_k, vmbo_gt, havo, vwo."
    )
    parent_email: EmailStr = Field(description="The first parent's address; the parent login goes there.")
    bsn: str | None = Field(default=None, max_length=16, description="Stored sealed; shown to nobody but the region.")


def external_pupils_router(registration: Registration, calling: Calling) -> APIRouter:
    router = APIRouter(tags=["pupils"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.post("/external-pupils", status_code=status.HTTP_201_CREATED, response_model=PupilCreated)
    async def register_external(pupil: ExternalPupilIn, me: Me) -> PupilCreated:
        """The region registers a buitenleerling: a `B` number, no OKI-doc; the final advice the parents
        showed opens registration at once. The region then sends the parent login, and the parents upload
        what a secondary school asks for (`POST /pupils/{id}/oki-doc/attachments`)."""
        details = pupil.model_dump(exclude={"school_name", "final_advice"})
        external = External(school_name=pupil.school_name, final_advice=pupil.final_advice)
        created = await registration.register_external(me, NewPupil(**details, external=external))
        return PupilCreated(id=created.id, elk_number=created.elk_number)

    return router
