"""A parent's registration documents as PDFs: the paper form (aanmeldformulier), for parents who cannot
register online, the control document (controledocument), to check the list before submitting it, and
the proof of registration (bewijs van aanmelding) after.

The control document and the proof are printed from what aanmelding recorded and dossier keeps, read with
the caller's own token; their 401, 403 and 404 are the answer. The paper form is blank: the caller gives
its fields. How: `application/documents.py`."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.downloads import content_disposition
from loket.contracts.runtime.errors import Unauthenticated
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.application.documents import Documents
from loket.notificatie.http.answers import REFUSALS


class Refusal(BaseModel):
    detail: str
    code: str = Field(
        description="409: not_submitted, no_registration, no_preferences. 401, 403, 404: aanmelding's own code "
        "where it gives one, else unauthorized, forbidden, not_found (the `detail` names the service). "
        "502 bad_gateway, 503 unavailable: aanmelding or dossier gave no usable answer."
    )


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


def documents_router(documents: Documents, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["documents"], responses=REFUSALS)
    caller = bearer(verifier)
    PDF: dict[int | str, dict[str, Any]] = {
        200: {"content": {"application/pdf": {}}, "description": "The document as a PDF."}
    }
    RECORDED: dict[int | str, dict[str, Any]] = {
        **PDF,
        401: {"model": Unauthenticated, "description": "No valid token, here or at aanmelding or dossier."},
        403: {"model": Refusal, "description": "aanmelding or dossier refuses the caller this pupil."},
        404: {"model": Refusal, "description": "No such pupil, or not one the caller reaches (aanmelding, dossier)."},
        409: {"model": Refusal, "description": "Nothing to print yet: see `code`."},
        502: {"model": Refusal, "description": "aanmelding or dossier answered something unexpected."},
        503: {"model": Refusal, "description": "aanmelding or dossier did not answer."},
    }

    @router.post("/documents/paper-form.pdf", response_class=Response, responses=PDF)
    async def paper_form(body: PaperFormIn, claims: Annotated[Claims, Depends(caller)]) -> Response:
        """Aanmeldformulier: the form for parents who cannot register online, with the programs that fit the
        pupil's advice to number, the priority questions and room to sign; the school enters it after."""
        pdf = await documents.paper_form(claims, body.pupil_id, body.model_dump(exclude={"pupil_id"}))
        return pdf_response(pdf, "aanmeldformulier.pdf")

    @router.get("/pupils/{pupil_id}/documents/control-document.pdf", response_class=Response, responses=RECORDED)
    async def control_document(
        pupil_id: UUID,
        claims: Annotated[Claims, Depends(caller)],
        request: Request,
    ) -> Response:
        """Controledocument: the list and the claims of the pupil's current registration, as aanmelding
        recorded them, to check before submitting (409 `no_registration` or `no_preferences`: nothing to
        check yet). For whoever aanmelding and dossier let read the pupil's registration and details."""
        pdf = await documents.from_records(pupil_id, request.headers["Authorization"], proof=False)
        return pdf_response(pdf, "controledocument.pdf")

    @router.get("/pupils/{pupil_id}/documents/proof-of-registration.pdf", response_class=Response, responses=RECORDED)
    async def proof_of_registration(
        pupil_id: UUID,
        claims: Annotated[Claims, Depends(caller)],
        request: Request,
    ) -> Response:
        """Bewijs van aanmelding: the submitted list, when aanmelding received it, and the registration's id
        as kenmerk (409 `not_submitted` until the registration is submitted). For whoever aanmelding and
        dossier let read the pupil's registration and details."""
        pdf = await documents.from_records(pupil_id, request.headers["Authorization"], proof=True)
        return pdf_response(pdf, "bewijs-van-aanmelding.pdf")

    return router


def pdf_response(pdf: bytes, file_name: str) -> Response:
    headers = {"Content-Disposition": content_disposition("attachment", file_name), "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)
