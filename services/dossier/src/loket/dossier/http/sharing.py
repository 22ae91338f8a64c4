"""Sharing over HTTP: notes on a pupil (for the own organisation, or also for the secondary school), the
reason not to place, and a secondary school's questions to the primary school with its answers. A secondary school the
pupil is registered with reads the notes meant for it and asks questions; every other route about the
pupil answers it 404, as for a pupil it does not reach."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from loket.contracts.runtime.paging import Paged, tell_total
from loket.contracts.runtime.paths import Brin
from loket.dossier.application.sharing import Sharing
from loket.dossier.domain.access import Caller
from loket.dossier.domain.sharing import MAX_TEXT, NoteVisibility, NotPlacingReason
from loket.dossier.http.caller import REFUSALS, Calling
from loket.dossier.http.pupils import PupilOut

if TYPE_CHECKING:
    from loket.dossier.persistence.models import InformationRequest, Pupil, PupilNote


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    visibility: NoteVisibility = Field(
        default=NoteVisibility.OWN_ORGANISATION,
        description="own_organisation: the primary school only; secondary_school: also the secondary school the "
        "pupil is registered with.",
    )


class NoteOut(BaseModel):
    id: UUID
    text: str
    visibility: NoteVisibility
    author: str = Field(description="identity's subject id of the staff member who wrote it.")
    created_at: datetime

    @classmethod
    def of(cls, note: "PupilNote") -> "NoteOut":
        return cls.model_validate(note, from_attributes=True)


class NotPlacingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: NotPlacingReason | None = Field(
        description="Reden niet plaatsen VO: deregistered (uitgeschreven), moved (verhuisd), repeating_groep_8 "
        "(groep-8-doubleerder); null clears it."
    )


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_TEXT, description="What the secondary school wants to know.")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=MAX_TEXT, description="The primary school's answer.")


class QuestionOut(BaseModel):
    id: UUID
    pupil_id: UUID
    from_school_brin: str = Field(description="The secondary school that asks.")
    to_school_brin: str = Field(description="The pupil's primary school, which answers.")
    message: str
    asked_by: str
    asked_at: datetime
    answer: str | None = Field(description="Null until the primary school answers.")
    answered_by: str | None
    answered_at: datetime | None

    @classmethod
    def of(cls, asked: "InformationRequest") -> "QuestionOut":
        return cls.model_validate(asked, from_attributes=True)


class AboutPupil(BaseModel):
    id: UUID
    elk_number: str
    given_name: str
    family_name: str


class SchoolQuestionOut(QuestionOut):
    pupil: AboutPupil

    @classmethod
    def with_pupil(cls, asked: "InformationRequest", pupil: "Pupil") -> "SchoolQuestionOut":
        about = AboutPupil.model_validate(pupil, from_attributes=True)
        return cls.model_validate({**QuestionOut.of(asked).model_dump(), "pupil": about})


class RegisteredPupilOut(BaseModel):
    """A pupil registered with the secondary school: enough to find it; the rest is in its dossier."""

    id: UUID
    elk_number: str
    given_name: str
    family_name: str
    primary_school_brin: str
    registered_since: datetime | None = Field(description="When the registration reached the school.")


def sharing_router(sharing: Sharing, calling: Calling) -> APIRouter:
    router = APIRouter(tags=["sharing"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.get("/schools/{brin}/registered-pupils", response_model=list[RegisteredPupilOut])
    async def registered_pupils(
        brin: Brin,
        me: Me,
        pupil: Annotated[
            list[UUID] | None,
            Query(max_length=500, description="Only these pupils (a page of registrations' pupils)."),
        ] = None,
    ) -> list[RegisteredPupilOut]:
        """A secondary school's staff list the pupils registered with it, while registered. Audited."""
        return [
            RegisteredPupilOut(
                id=found.pupil.id,
                elk_number=found.pupil.elk_number,
                given_name=found.pupil.given_name,
                family_name=found.pupil.family_name,
                primary_school_brin=found.pupil.school_brin,
                registered_since=found.registered_since,
            )
            for found in await sharing.registered_with(me, brin, pupil)
        ]

    @router.post("/pupils/{pupil_id}/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut)
    async def add_note(pupil_id: UUID, note: NoteIn, me: Me) -> NoteOut:
        """The primary school's own staff write a note on the pupil (notities)."""
        return NoteOut.of(await sharing.add_note(me, pupil_id, note.text, note.visibility))

    @router.get("/pupils/{pupil_id}/notes", response_model=list[NoteOut])
    async def notes(pupil_id: UUID, me: Me) -> list[NoteOut]:
        """The notes: all for the primary school's staff; for a secondary school the pupil is registered with,
        only those meant for it. Audited."""
        return [NoteOut.of(note) for note in await sharing.notes(me, pupil_id)]

    @router.put("/pupils/{pupil_id}/not-placing-reason", response_model=PupilOut)
    async def not_placing_reason(pupil_id: UUID, given: NotPlacingIn, me: Me) -> PupilOut:
        """Reden niet plaatsen VO: the primary school says why the pupil will not be placed this year."""
        return PupilOut.of(await sharing.set_not_placing_reason(me, pupil_id, given.reason))

    @router.post(
        "/pupils/{pupil_id}/information-requests", status_code=status.HTTP_201_CREATED, response_model=QuestionOut
    )
    async def ask(pupil_id: UUID, question: QuestionIn, me: Me) -> QuestionOut:
        """A secondary school the pupil is registered with asks the primary school for more information
        (`dossier.information.requested.v1`, without the text)."""
        return QuestionOut.of(await sharing.ask(me, pupil_id, question.message))

    @router.get("/pupils/{pupil_id}/information-requests", response_model=list[QuestionOut])
    async def questions(pupil_id: UUID, me: Me) -> list[QuestionOut]:
        """The questions about the pupil: all for the primary school's staff, its own for a secondary school."""
        return [QuestionOut.of(asked) for asked in await sharing.questions(me, pupil_id)]

    @router.post(
        "/pupils/{pupil_id}/information-requests/{request_id}/answer",
        response_model=QuestionOut,
        responses={409: {"description": "The question is answered already."}},
    )
    async def answer(pupil_id: UUID, request_id: UUID, given: AnswerIn, me: Me) -> QuestionOut:
        """The primary school's own staff answer a question, once (`dossier.information.answered.v1`, without
        the text); the school that asked hears of it at its contact address."""
        return QuestionOut.of(await sharing.answer(me, pupil_id, request_id, given.answer))

    @router.get("/schools/{brin}/information-requests", response_model=list[SchoolQuestionOut])
    async def school_questions(
        brin: Brin,
        me: Me,
        paging: Paged,
        response: Response,
        open: Annotated[bool, Query(description="Only those without an answer.")] = False,
    ) -> list[SchoolQuestionOut]:
        """A school's questions: for a primary school those about its pupils (a teacher: of their groups), for a
        secondary school its own about pupils still registered with it. Audited per pupil. Paged (`?limit=`,
        `offset`, `sort`: `asked_at` (default) or `answered_at`), the whole list's length in `X-Total-Count`."""
        found, total = await sharing.school_questions(me, brin, open_only=open, paging=paging)
        tell_total(response, total)
        return [SchoolQuestionOut.with_pupil(asked, pupil) for asked, pupil in found]

    return router
