"""A school mails its placement letter to a parent: at once, `POST /schools/{brin}/placement-letters`
(`letter_mails.py`), or prepared for the publication moment, `POST /schools/{brin}/prepared-letters`
(`prepared_letters.py`). Who may: `domain/access.py`."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.domain.access import letters_of_school
from loket.notificatie.http.messages import REFUSALS, MessageStatus, allow
from loket.notificatie.letter_mails import LetterMails, MailServerBusy, PlacementLetter
from loket.notificatie.letters.rendering import InvalidLetter
from loket.notificatie.persistence.repository import Messages
from loket.notificatie.prepared_letters import AlreadySent, Prepared, PreparedLetters, TooLate
from loket.notificatie.records import Records, Unanswered

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


def letters_router(
    database: Database,
    letter_mails: LetterMails,
    prepared_letters: PreparedLetters,
    records: Records,
    verifier: TokenVerifier,
) -> APIRouter:
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
        brin: str, body: PlacementLetterIn, claims: Annotated[Claims, Depends(caller)]
    ) -> MessageStatus:
        """Print the school's placement letter for one pupil and mail it to the parent as a PDF."""
        allow(letters_of_school(claims, brin), "school")
        async with database.transaction() as session:
            if await Messages(session).school_of(body.pupil_id) != brin:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "pupil not found at this school")
        try:
            message = await letter_mails.send(
                PlacementLetter(body.pupil_id, brin, str(body.recipient), fields_of(body))
            )
        except InvalidLetter as refused:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
        except MailServerBusy as busy:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"the mail server says: {busy}; send again later",
                {"Retry-After": "60"},
            ) from None
        return MessageStatus.of(message)

    @router.post(
        "/schools/{brin}/prepared-letters",
        status_code=status.HTTP_201_CREATED,
        responses={422: {"description": "A letter that cannot be printed, a pupil of another school, a past moment."}},
    )
    async def prepare_placement_letters(
        brin: str, body: PreparedLettersIn, claims: Annotated[Claims, Depends(caller)], request: Request
    ) -> list[PreparedLetterOut]:
        """Print the school's placement letters now, in one batch, and mail each to its parent at `send_at`
        (the publication moment), none earlier. A pupil's letter that is still waiting is replaced. All or
        nothing: one letter that cannot be printed, or a pupil not of this school, and none is kept. A
        pupil of this school: one of its own (a primary school), or one whose registration this secondary
        school received or was given by the lottery, as aanmelding answers the caller."""
        allow(letters_of_school(claims, brin), "school")
        problems, seen = [], set()
        async with database.transaction() as session:
            schools = await Messages(session).schools_of(letter.pupil_id for letter in body.letters)
        received: set[UUID] = set()
        if any(schools.get(letter.pupil_id) != brin for letter in body.letters):
            try:
                received = await records.received_by(brin, request.headers["Authorization"])
            except Unanswered as unanswered:
                raise HTTPException(unanswered.status, unanswered.detail) from None
        for number, letter in enumerate(body.letters):
            if schools.get(letter.pupil_id) != brin and letter.pupil_id not in received:
                problems.append(refusal(number, "pupil_id", "no pupil of this school has this id"))
            elif letter.pupil_id in seen:
                problems.append(refusal(number, "pupil_id", "this pupil has a letter earlier in the list"))
            seen.add(letter.pupil_id)
        if problems:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
        letters = [PlacementLetter(one.pupil_id, brin, str(one.recipient), fields_of(one)) for one in body.letters]
        try:
            prepared = await prepared_letters.prepare(brin, body.send_at, letters, claims.sub)
        except TooLate as late:
            detail = [{"loc": ["body", "send_at"], "msg": str(late), "type": "value_error"}]
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
        except InvalidLetter as refused:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
        return [PreparedLetterOut.of(Prepared(letter, None)) for letter in prepared]

    @router.get("/schools/{brin}/prepared-letters")
    async def prepared_placement_letters(
        brin: str, claims: Annotated[Claims, Depends(caller)]
    ) -> list[PreparedLetterOut]:
        """The school's prepared letters: waiting for their moment, or mailed (with the message's state)."""
        allow(letters_of_school(claims, brin), "school")
        return [PreparedLetterOut.of(prepared) for prepared in await prepared_letters.of_school(brin)]

    @router.delete(
        "/schools/{brin}/prepared-letters/{letter_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses={409: {"description": "The letter was mailed already."}},
    )
    async def withdraw_placement_letter(
        brin: str, letter_id: UUID, claims: Annotated[Claims, Depends(caller)]
    ) -> Response:
        """Take back a letter that is still waiting for its moment."""
        allow(letters_of_school(claims, brin), "school")
        try:
            await prepared_letters.withdraw(brin, letter_id)
        except LookupError as missing:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing)) from None
        except AlreadySent as sent:
            raise HTTPException(status.HTTP_409_CONFLICT, str(sent)) from None
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def refusal(number: int, field: str, message: str) -> dict[str, object]:
    return {"loc": ["body", "letters", number, field], "msg": message, "type": "value_error"}
