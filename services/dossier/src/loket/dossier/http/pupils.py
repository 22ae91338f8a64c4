from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, EmailStr, Field

from loket.contracts.outbox import Outbox
from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, Role, TokenVerifier
from loket.dossier.domain.pupils import InvalidPupil, school_code
from loket.dossier.registration import NewPupil, register_pupil

REGISTERING_ROLES = frozenset({Role.SCHOOL_USER, Role.SCHOOL_ADMIN, Role.REGION_ADMIN})


class PupilIn(BaseModel):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    school_brin: str = Field(description="BRIN number with location (vestiging), e.g. 12AB01.")
    parent_email: EmailStr = Field(description="The first parent's address; the parent login goes there.")


class PupilCreated(BaseModel):
    id: UUID
    elk_number: str


def pupils_router(database: Database, outbox: Outbox, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/pupils", tags=["pupils"])
    caller = bearer(verifier)

    @router.post("", status_code=status.HTTP_201_CREATED, response_model=PupilCreated)
    async def register(pupil: PupilIn, claims: Annotated[Claims, Depends(caller)]) -> PupilCreated:
        """A primary school's staff register a pupil of their own school (a region administrator: any)."""
        try:
            school = school_code(pupil.school_brin)
            if claims.role not in REGISTERING_ROLES or not claims.reaches_school(school):
                raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not register pupils at school {school}")
            created = await register_pupil(database, outbox, NewPupil(**pupil.model_dump()))
        except InvalidPupil as invalid:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{"loc": ["body", invalid.field], "msg": invalid.problem, "type": "value_error"}],
            ) from None
        return PupilCreated(id=created.id, elk_number=created.elk_number)

    return router
