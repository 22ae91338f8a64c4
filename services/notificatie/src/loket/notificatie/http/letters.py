"""A school mails its placement letter to a parent: at once, `POST /schools/{brin}/placement-letters`
(`application/letter_mails.py`), or prepared for the publication moment,
`POST /schools/{brin}/prepared-letters` (`application/prepared_letters.py`). Who may: `domain/access.py`."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.paths import Brin
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.application.letter_mails import LetterMails, PlacementLetter
from loket.notificatie.application.prepared_letters import Prepared, PreparedLetters
from loket.notificatie.http.answers import REFUSALS, MessageStatus

Line = Annotated[str, Field(min_length=1, max_length=200)]
Image = Annotated[str, Field(max_length=2_000_000, description="A `data:image/png|jpeg|svg+xml;base64,…` URI.")]


class PlacementLetterIn(BaseModel):
    """The merge fields of the school's placement letter (Den Haag: brief plaatsingsaanbod)."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: UUID
    recipient: EmailStr = Field(description="The parent's e-mail address.")
    parent_name: Line
    address: list[Line] = Field(default=[], max_length=6, description="The parent's postal address, line by line.")
    pupil_name: Line
    pupil_birth_date: date
    case_reference: Annotated[str, Field(min_length=1, max_length=64, description="Kenmerk, e.g. the case id.")]
    school_name: Line
    school_address: list[Line] = Field(default=[], max_length=6)
    reply_weeks: int = Field(default=4, ge=1, le=12, description="Weeks the parent has to enrol the pupil.")
    lower_preference: bool = Field(default=False, description="Lost the lottery at a higher preference (uitloting).")
    signatory_name: Line
    signatory_role: Line
    logo: Image | None = Field(default=None, description="Unset: the school's packaged logo, if it has one.")
    signature: Image | None = None
    letter_date: date | None = Field(default=None, description="The letter's date; unset: today.")


class PreparedLettersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    send_at: AwareDatetime = Field(description="When to mail them: the round's publication moment (with its offset).")
    letters: list[PlacementLetterIn] = Field(min_length=1, max_length=500, description="One letter per pupil.")


class PreparedLetterOut(BaseModel):
    id: UUID
    pupil_id: UUID
    case_reference: str
    recipient: str
    send_at: datetime
    prepared_at: datetime
    state: Literal["waiting", "sent", "failed"] = Field(description="`waiting` until it is mailed or has failed.")
    attempts: int
    message: MessageStatus | None = Field(description="Once mailed (or failed): its message, as in the status list.")

    @classmethod
    def of(cls, prepared: Prepared) -> "PreparedLetterOut":
        letter, message = prepared.letter, prepared.message
        return cls(
            id=letter.id,
            pupil_id=letter.pupil_id,
            case_reference=letter.case_reference,
            recipient=letter.recipient,
            send_at=letter.send_at,
            prepared_at=letter.prepared_at,
            state="waiting" if message is None else "sent" if message.state == "sent" else "failed",
            attempts=letter.attempts,
            message=None if message is None else MessageStatus.of(message),
        )


def fields_of(body: PlacementLetterIn) -> dict[str, object]:
    fields = body.model_dump(exclude={"pupil_id", "recipient", "letter_date"}, exclude_none=True)
    if body.letter_date is not None:
        fields["date"] = body.letter_date
    return fields


def letters_router(letter_mails: LetterMails, prepared_letters: PreparedLetters, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["letters"], responses=REFUSALS)
    caller = bearer(verifier)

    @router.post(
        "/schools/{brin}/placement-letters",
        status_code=status.HTTP_201_CREATED,
        responses={
            422: {"description": "A field the letter cannot take (e.g. a logo that is not a data URI)."},
            503: {"description": "The mail server refused for now; nothing was recorded: send again later."},
        },
    )
    async def mail_placement_letter(
        brin: Brin, body: PlacementLetterIn, claims: Annotated[Claims, Depends(caller)]
    ) -> MessageStatus:
        """Print the school's placement letter for one pupil and mail it to the parent as a PDF."""
        letter = PlacementLetter(body.pupil_id, brin, str(body.recipient), fields_of(body))
        return MessageStatus.of(await letter_mails.send(claims, letter))

    @router.post(
        "/schools/{brin}/prepared-letters",
        status_code=status.HTTP_201_CREATED,
        responses={422: {"description": "A letter that cannot be printed, a pupil of another school, a past moment."}},
    )
    async def prepare_placement_letters(
        brin: Brin, body: PreparedLettersIn, claims: Annotated[Claims, Depends(caller)], request: Request
    ) -> list[PreparedLetterOut]:
        """Print the school's placement letters now, in one batch, and mail each to its parent at `send_at`
        (the publication moment), none earlier. A pupil's letter that is still waiting is replaced. All or
        nothing: one letter that cannot be printed, or a pupil not of this school, and none is kept. A
        pupil of this school: one of its own (a primary school), or one whose registration this secondary
        school received or was given by the lottery, as aanmelding answers the caller."""
        letters = [PlacementLetter(one.pupil_id, brin, str(one.recipient), fields_of(one)) for one in body.letters]
        authorization = request.headers["Authorization"]
        prepared = await prepared_letters.hand_in(claims, brin, body.send_at, letters, authorization)
        return [PreparedLetterOut.of(Prepared(letter, None)) for letter in prepared]

    @router.get("/schools/{brin}/prepared-letters")
    async def prepared_placement_letters(
        brin: Brin, claims: Annotated[Claims, Depends(caller)]
    ) -> list[PreparedLetterOut]:
        """The school's prepared letters: waiting for their moment, or mailed (with the message's state)."""
        return [PreparedLetterOut.of(prepared) for prepared in await prepared_letters.of_school(claims, brin)]

    @router.delete(
        "/schools/{brin}/prepared-letters/{letter_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={409: {"description": "The letter was mailed already."}},
    )
    async def withdraw_placement_letter(
        brin: Brin, letter_id: UUID, claims: Annotated[Claims, Depends(caller)]
    ) -> Response:
        """Take back a letter that is still waiting for its moment."""
        await prepared_letters.withdraw(claims, brin, letter_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
