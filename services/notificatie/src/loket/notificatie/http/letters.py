"""A school mails its placement letter to a parent: `POST /schools/{brin}/placement-letters`
(`letter_mails.py`). Who may: `domain/access.py`."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.domain.access import letters_of_school
from loket.notificatie.http.messages import REFUSALS, MessageStatus, allow
from loket.notificatie.letter_mails import LetterMails, MailServerBusy, PlacementLetter
from loket.notificatie.letters.rendering import InvalidLetter
from loket.notificatie.persistence.repository import Messages

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


def letters_router(database: Database, letter_mails: LetterMails, verifier: TokenVerifier) -> APIRouter:
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
        fields = body.model_dump(exclude={"pupil_id", "recipient", "letter_date"}, exclude_none=True)
        if body.letter_date is not None:
            fields["date"] = body.letter_date
        try:
            message = await letter_mails.send(PlacementLetter(body.pupil_id, brin, str(body.recipient), fields))
        except InvalidLetter as refused:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
        except MailServerBusy as busy:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"the mail server says: {busy}; send again later",
                {"Retry-After": "60"},
            ) from None
        return MessageStatus.of(message)

    return router
