from datetime import date
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, EmailStr, Field

from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.dossier.domain.pupils import InvalidPupil
from loket.dossier.registration import NewPupil, register_pupil


class PupilIn(BaseModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    school_brin: str = Field(description="BRIN number with location (vestiging), e.g. 12AB01.")
    parent_email: EmailStr = Field(description="The first parent's address; the parent login goes there.")


class PupilCreated(BaseModel):
    id: UUID
    elk_number: str


def pupils_router(database: Database, outbox: Outbox) -> APIRouter:
    router = APIRouter(prefix="/pupils", tags=["pupils"])

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=PupilCreated)
    async def register(pupil: PupilIn) -> PupilCreated:
        try:
            created = await register_pupil(database, outbox, NewPupil(**pupil.model_dump()))
        except InvalidPupil as invalid:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{"loc": ["body", invalid.field], "msg": invalid.problem, "type": "value_error"}],
            ) from None
        return PupilCreated(id=created.id, elk_number=created.elk_number)

    return router
