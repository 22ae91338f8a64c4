"""A parent's registration documents as PDFs: the paper form (aanmeldformulier), for parents who cannot
register online, the control document (controledocument), to check the list before submitting it, and
the proof of registration (bewijs van aanmelding) after.

The control document and the proof are printed from what aanmelding recorded (the list, the claims, when
it was submitted) and what dossier keeps (the child's name and ELK number), read with the caller's own
token (`records.py`): never from what a caller sends, so nobody can print a list that was not submitted.
aanmelding's and dossier's access checks decide who gets them; their 401, 403 and 404 are the answer.
The paper form is blank: the caller gives its fields, and `domain/access.py` says who may print it.
notificatie prints each with its locked-down printer (`letters/rendering.py`); nothing is kept or mailed."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.domain.access import documents_of_pupil
from loket.notificatie.http.messages import REFUSALS, allow
from loket.notificatie.letter_mails import LetterMails
from loket.notificatie.letters.rendering import Letter
from loket.notificatie.mails import PRIORITY_KINDS
from loket.notificatie.persistence.models import SchoolAddress
from loket.notificatie.persistence.repository import Messages
from loket.notificatie.records import RecordedPupil, RecordedRegistration, Records, Unanswered

SUBMITTED = ("submitted", "forwarded")  # aanmelding's states of a registration that was made final


class Refusal(BaseModel):
    detail: str
    code: str = Field(
        description="409: not_submitted, no_registration, no_preferences. 401, 403, 404: aanmelding's own code "
        "where it gives one, else unauthorized, forbidden, not_found (the `detail` names the service). "
        "502 bad_gateway, 503 unavailable: aanmelding or dossier gave no usable answer."
    )


class NotPrintable(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


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


def documents_router(
    database: Database, letter_mails: LetterMails, records: Records, verifier: TokenVerifier
) -> APIRouter:
    router = APIRouter(tags=["documents"], responses=REFUSALS)
    caller = bearer(verifier)
    PDF: dict[int | str, dict[str, Any]] = {
        200: {"content": {"application/pdf": {}}, "description": "The document as a PDF."}
    }
    RECORDED: dict[int | str, dict[str, Any]] = {
        **PDF,
        401: {"model": Refusal, "description": "No valid token, here or at aanmelding or dossier."},
        403: {"model": Refusal, "description": "aanmelding or dossier refuses the caller this pupil."},
        404: {"model": Refusal, "description": "No such pupil, or not one the caller reaches (aanmelding, dossier)."},
        409: {"model": Refusal, "description": "Nothing to print yet: see `code`."},
        502: {"model": Refusal, "description": "aanmelding or dossier answered something unexpected."},
        503: {"model": Refusal, "description": "aanmelding or dossier did not answer."},
    }

    def pdf_response(pdf: bytes, file_name: str) -> Response:
        headers = {"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"}
        return Response(pdf, media_type="application/pdf", headers=headers)

    async def printed(kind: str, body: PupilDocumentIn, claims: Claims, file_name: str) -> Response:
        async with database.transaction() as session:
            school = await Messages(session).school_of(body.pupil_id)
        allow(documents_of_pupil(claims, body.pupil_id, school), "pupil")
        fields = body.model_dump(exclude={"pupil_id"})
        [pdf] = await letter_mails.print([Letter(kind, fields)])
        return pdf_response(pdf, file_name)

    async def from_records(pupil_id: UUID, authorization: str, proof: bool, file_name: str) -> Response:
        """Read the registration (aanmelding first: it is the gate), then the pupil, and print."""
        try:
            registration = await records.registration(pupil_id, authorization)
            printable(registration, proof)
            assert registration is not None
            pupil = await records.pupil(pupil_id, authorization)
        except Unanswered as refused:
            return JSONResponse({"detail": refused.detail, "code": refused.code}, refused.status)
        except NotPrintable as refused:
            return JSONResponse({"detail": refused.detail, "code": refused.code}, status.HTTP_409_CONFLICT)
        fields = await document_fields(registration, pupil, proof)
        kind = "registration_receipt" if proof else "registration_summary"
        [pdf] = await letter_mails.print([Letter(kind, fields, reference=str(registration.id) if proof else "")])
        return pdf_response(pdf, file_name)

    async def document_fields(registration: RecordedRegistration, pupil: RecordedPupil, proof: bool) -> dict[str, Any]:
        choices = registration.preferences
        if registration.goes_to == "primary_school":  # Zaanstad: the list is handed in at the primary school
            async with database.transaction() as session:
                primary = await session.get(SchoolAddress, pupil.school_brin)
            school_name = primary.name if primary else pupil.school_brin
        else:
            receiving = [choice for choice in choices if choice.school_brin == registration.goes_to] or choices
            school_name = receiving[0].school_name
        fields: dict[str, Any] = {
            "pupil_name": f"{pupil.given_name} {pupil.family_name}",
            "elk_number": pupil.elk_number,
            "school_name": school_name,
            "preferences": [{"school": choice.school_name, "program": choice.program_name} for choice in choices],
        }
        if proof:
            return {**fields, "registered_at": registration.submitted_at, "case_reference": str(registration.id)}
        return {**fields, "advice": registration.advice, "priority_claims": claims_in_words(registration.priority)}

    @router.post("/documents/paper-form.pdf", response_class=Response, responses=PDF)
    async def paper_form(body: PaperFormIn, claims: Annotated[Claims, Depends(caller)]) -> Response:
        """Aanmeldformulier: the form for parents who cannot register online, with the programs that fit the
        pupil's advice to number, the priority questions and room to sign; the school enters it after."""
        return await printed("paper_form", body, claims, "aanmeldformulier.pdf")

    @router.get("/pupils/{pupil_id}/documents/control-document.pdf", response_class=Response, responses=RECORDED)
    async def control_document(
        pupil_id: UUID,
        claims: Annotated[Claims, Depends(caller)],
        request: Request,
    ) -> Response:
        """Controledocument: the list and the claims of the pupil's current registration, as aanmelding
        recorded them, to check before submitting (409 `no_registration` or `no_preferences`: nothing to
        check yet). For whoever aanmelding and dossier let read the pupil's registration and details."""
        return await from_records(pupil_id, request.headers["Authorization"], False, "controledocument.pdf")

    @router.get("/pupils/{pupil_id}/documents/proof-of-registration.pdf", response_class=Response, responses=RECORDED)
    async def proof_of_registration(
        pupil_id: UUID,
        claims: Annotated[Claims, Depends(caller)],
        request: Request,
    ) -> Response:
        """Bewijs van aanmelding: the submitted list, when aanmelding received it, and the registration's id
        as kenmerk (409 `not_submitted` until the registration is submitted). For whoever aanmelding and
        dossier let read the pupil's registration and details."""
        return await from_records(pupil_id, request.headers["Authorization"], True, "bewijs-van-aanmelding.pdf")

    return router


def printable(registration: RecordedRegistration | None, proof: bool) -> None:
    if registration is None:
        raise NotPrintable("no_registration", "the pupil has no registration (none begun, or it was withdrawn)")
    if proof and registration.state not in SUBMITTED:
        raise NotPrintable(
            "not_submitted", f"the registration is {registration.state}: a proof is printed once it is submitted"
        )
    if not registration.preferences:
        raise NotPrintable("no_preferences", "the registration has no list of schools yet")


def claims_in_words(priority: dict[str, Any] | None) -> list[str]:
    """The claimed priority as the parent reads it, e.g. 'broer of zus op de school: Ali, klas 2b'."""
    kind = (priority or {}).get("kind")
    if not kind:
        return []
    words = PRIORITY_KINDS.get(kind, (kind, kind))[0]
    assert priority is not None
    sibling = ", ".join(
        part
        for part in (
            priority.get("sibling_name"),
            f"klas {priority['sibling_class']}" if priority.get("sibling_class") else None,
        )
        if part
    )
    return [f"{words}: {sibling}" if sibling else words]
