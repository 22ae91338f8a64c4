"""A parent's registration documents as PDFs: the paper form (aanmeldformulier), for parents who cannot
register online, the control document (controledocument), to check the list before submitting it, and
the proof of registration (bewijs van aanmelding) after. Whoever holds the
data gives it — the portal, from aanmelding (the list, the claims, when it was submitted) and dossier
(the child's name), which events never carry — and notificatie prints it with its locked-down printer
(`letters/rendering.py`). Nothing is kept or mailed. Who may: `domain/access.py`."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.domain.access import documents_of_pupil
from loket.notificatie.http.messages import REFUSALS, allow
from loket.notificatie.letter_mails import LetterMails
from loket.notificatie.letters.rendering import Letter
from loket.notificatie.persistence.repository import Messages

Line = Annotated[str, Field(min_length=1, max_length=200)]


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school: Line
    program: Line = Field(description="The department or level, e.g. havo/vwo.")


class PupilDocumentIn(BaseModel):
    """What every document of a pupil names: given by the caller, as no event carries a child's name."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: UUID
    pupil_name: Line
    elk_number: Annotated[str, Field(min_length=1, max_length=16)]


class RegistrationDocumentIn(PupilDocumentIn):
    school_name: Line = Field(
        description="The school the document is from: where the list is handed in (in Zaanstad the primary "
        "school; elsewhere the school of first choice)."
    )
    preferences: list[Choice] = Field(min_length=1, max_length=30, description="In the parent's order.")


class ControlDocumentIn(RegistrationDocumentIn):
    advice: Line
    priority_claims: list[Line] = Field(default=[], max_length=5, description="Each claim in words.")


class ProofOfRegistrationIn(RegistrationDocumentIn):
    registered_at: AwareDatetime = Field(description="When the registration was submitted.")
    case_reference: Annotated[str, Field(min_length=1, max_length=64, description="The registration's id.")]


class PaperFormIn(PupilDocumentIn):
    school_name: Line = Field(description="The primary school, where the parents hand the form in.")
    advice: Line
    round_name: Line = Field(description="The round, e.g. 1e ronde.")
    hand_in_before: AwareDatetime = Field(description="When the round's registration window closes.")
    list_rule: Annotated[str, Field(min_length=1, max_length=300)] = Field(
        description="How many schools to number, in words, e.g. 'Zet ten minste 4 scholen in volgorde.'"
    )
    programs: list[Choice] = Field(
        min_length=1, max_length=80, description="The programs that fit the advice: aanmelding's invulhulp."
    )
    priority_options: list[Line] = Field(
        default=[], max_length=6, description="The priorities the region offers, in words; 'not applicable' is added."
    )
    equivalent_department: bool = Field(
        default=False, description="Ask the wish to stay at the first-choice school in an equivalent department."
    )


def documents_router(database: Database, letter_mails: LetterMails, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["documents"], responses=REFUSALS)
    caller = bearer(verifier)
    PDF: dict[int | str, dict[str, Any]] = {
        200: {"content": {"application/pdf": {}}, "description": "The document as a PDF."}
    }

    async def printed(kind: str, body: PupilDocumentIn, claims: Claims, file_name: str) -> Response:
        async with database.transaction() as session:
            school = await Messages(session).school_of(body.pupil_id)
        allow(documents_of_pupil(claims, body.pupil_id, school), "pupil")
        fields = body.model_dump(exclude={"pupil_id"})
        [pdf] = await letter_mails.print([Letter(kind, fields)])
        headers = {"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"}
        return Response(pdf, media_type="application/pdf", headers=headers)

    @router.post("/documents/paper-form.pdf", response_class=Response, responses=PDF)
    async def paper_form(body: PaperFormIn, claims: Annotated[Claims, Depends(caller)]) -> Response:
        """Aanmeldformulier: the form for parents who cannot register online, with the programs that fit the
        pupil's advice to number, the priority questions and room to sign; the school enters it after."""
        return await printed("paper_form", body, claims, "aanmeldformulier.pdf")

    @router.post("/documents/control-document.pdf", response_class=Response, responses=PDF)
    async def control_document(body: ControlDocumentIn, claims: Annotated[Claims, Depends(caller)]) -> Response:
        """Controledocument: the list and the claims as the parent is about to submit them."""
        return await printed("registration_summary", body, claims, "controledocument.pdf")

    @router.post("/documents/proof-of-registration.pdf", response_class=Response, responses=PDF)
    async def proof_of_registration(
        body: ProofOfRegistrationIn, claims: Annotated[Claims, Depends(caller)]
    ) -> Response:
        """Bewijs van aanmelding: what was submitted, and when."""
        return await printed("registration_receipt", body, claims, "bewijs-van-aanmelding.pdf")

    return router
