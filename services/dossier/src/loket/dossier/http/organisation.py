"""The organisation over HTTP: boards, schools and their groups with teachers, for administrators
within their reach. A school or group outside the caller's reach is answered 404."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, EmailStr, Field

from loket.contracts.runtime.paths import Brin
from loket.dossier.application.organisation import Group, OrganisationAdministration
from loket.dossier.domain.access import Caller
from loket.dossier.domain.organisation import Sector
from loket.dossier.http.caller import REFUSALS, Calling

if TYPE_CHECKING:
    from loket.dossier.persistence.models import Board, School


class BoardIn(BaseModel):
    code: str = Field(description="The board's code, as identity's board contacts name it (bevoegd gezag).")
    name: str


class BoardOut(BaseModel):
    code: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, board: "Board") -> "BoardOut":
        return cls(code=board.code, name=board.name, created_at=board.created_at)


CONTACT = "The school's address for questions about its pupils and answers to its own questions (not a person's)."


class SchoolIn(BaseModel):
    brin: str = Field(description="BRIN number with location (vestiging), e.g. 12AB01.")
    name: str
    board: str | None = Field(default=None, description="The board's code; a board contact: its own.")
    sector: Sector = Sector.PRIMARY
    contact_email: EmailStr | None = Field(default=None, description=CONTACT)


class SchoolChange(BaseModel):
    name: str | None = None
    board: str | None = Field(default=None, description="Only a region administrator moves a school.")
    contact_email: EmailStr | None = Field(
        default=None, description=CONTACT + " Sent as null: cleared; left out: kept."
    )


class SchoolOut(BaseModel):
    brin: str
    name: str
    board: str | None
    sector: Sector
    contact_email: str | None = Field(description=CONTACT)
    created_at: datetime

    @classmethod
    def of(cls, school: "School") -> "SchoolOut":
        return cls(
            brin=school.brin,
            name=school.name,
            board=school.board_code,
            sector=school.sector,
            contact_email=school.contact_email,
            created_at=school.created_at,
        )


class GroupIn(BaseModel):
    name: str = Field(description="Like 8a; unique within the school.")
    year_level: int | None = Field(default=None, description="The groep, 1 to 8.")
    teachers: list[str] = Field(default_factory=list, description="identity's subject ids of its teachers.")


class Teachers(BaseModel):
    teachers: list[str] = Field(description="identity's subject ids; replaces the group's teachers.")


class GroupOut(BaseModel):
    id: UUID
    school_brin: str
    name: str
    year_level: int | None
    teachers: list[str]

    @classmethod
    def of(cls, group: Group) -> "GroupOut":
        return cls(
            id=group.id,
            school_brin=group.school_brin,
            name=group.name,
            year_level=group.year_level,
            teachers=group.teachers,
        )


def organisation_router(administration: OrganisationAdministration, calling: Calling) -> APIRouter:
    router = APIRouter(tags=["organisation"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.post("/boards", status_code=status.HTTP_201_CREATED, response_model=BoardOut)
    async def create_board(board: BoardIn, me: Me) -> BoardOut:
        """A region administrator sets up a board."""
        return BoardOut.of(await administration.create_board(me, board.code, board.name))

    @router.get("/boards", response_model=list[BoardOut])
    async def boards(me: Me) -> list[BoardOut]:
        """A region administrator: every board; a board contact: its own."""
        return [BoardOut.of(board) for board in await administration.boards(me)]

    @router.get("/boards/{code}", response_model=BoardOut)
    async def board(code: str, me: Me) -> BoardOut:
        return BoardOut.of(await administration.board(me, code))

    @router.post("/schools", status_code=status.HTTP_201_CREATED, response_model=SchoolOut)
    async def create_school(school: SchoolIn, me: Me) -> SchoolOut:
        """A region administrator sets up any school; a board contact the schools of its board."""
        created = await administration.create_school(
            me, school.brin, school.name, school.board, school.sector, school.contact_email
        )
        return SchoolOut.of(created)

    @router.get("/schools", response_model=list[SchoolOut])
    async def schools(me: Me) -> list[SchoolOut]:
        """The schools the caller reaches."""
        return [SchoolOut.of(school) for school in await administration.schools(me)]

    @router.get("/schools/{brin}", response_model=SchoolOut)
    async def school(brin: Brin, me: Me) -> SchoolOut:
        return SchoolOut.of(await administration.school(me, brin))

    @router.patch("/schools/{brin}", response_model=SchoolOut)
    async def change_school(brin: Brin, change: SchoolChange, me: Me) -> SchoolOut:
        """The school's administrators rename it or set its contact address; only a region administrator moves it
        to another board."""
        contact = change.contact_email if "contact_email" in change.model_fields_set else ...
        return SchoolOut.of(await administration.change_school(me, brin, change.name, change.board, contact))

    @router.post("/schools/{brin}/groups", status_code=status.HTTP_201_CREATED, response_model=GroupOut)
    async def create_group(brin: Brin, group: GroupIn, me: Me) -> GroupOut:
        """The school's administrators add a group with its teachers."""
        created = await administration.create_group(me, brin, group.name, group.year_level, group.teachers)
        return GroupOut.of(created)

    @router.get("/schools/{brin}/groups", response_model=list[GroupOut])
    async def groups(brin: Brin, me: Me) -> list[GroupOut]:
        return [GroupOut.of(group) for group in await administration.groups(me, brin)]

    @router.get("/groups/{group_id}", response_model=GroupOut)
    async def group(group_id: UUID, me: Me) -> GroupOut:
        return GroupOut.of(await administration.group(me, group_id))

    @router.put("/groups/{group_id}/teachers", response_model=GroupOut)
    async def set_teachers(group_id: UUID, teachers: Teachers, me: Me) -> GroupOut:
        """The school's administrators link teachers to a group; they then see only its pupils."""
        return GroupOut.of(await administration.set_teachers(me, group_id, teachers.teachers))

    return router
