"""The OKI-doc over HTTP: read it, write its parts, and take it from Onvolledig through Volledig to
Definitief; an administrator reopens a final one. Only the pupil's own primary school writes; a parent
reads its own child's OKI-doc; a pupil out of the caller's reach is answered 404."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from loket.contracts.runtime.downloads import content_disposition
from loket.contracts.tokens import Role
from loket.dossier.adapters.oki_doc_pdf import OkiDocPdf
from loket.dossier.application.oki_docs import OkiDocs, OkiDocView
from loket.dossier.domain.access import Caller
from loket.dossier.http.caller import REFUSALS, Calling
from loket.dossier.http.oki_doc_models import OkiDocChange, OkiDocOut

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not in this status: locked, or required fields missing (listed)."}
}


class DoorstroomtoetsIn(BaseModel):
    test: str | None = Field(default=None, max_length=100, description="The test taken, e.g. Route 8, IEP, Dia.")
    level: str = Field(description="The result as an advice: one level or two adjacent ones, e.g. havo/vwo.")


class FinalAdviceIn(BaseModel):
    level: str = Field(description="One level or two adjacent ones: pro, vmbo_b, vmbo_k, vmbo_gt, havo, vwo.")
    motivation: str | None = Field(default=None, max_length=4000, description="Onderbouwing definitief advies.")
    not_raised_because: str | None = Field(
        default=None,
        max_length=4000,
        description="Required when the doorstroomtoets result is higher than this advice: why it is not raised.",
    )


class Reopening(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the final OKI-doc is reopened (audited).")


def out(view: OkiDocView, caller: Caller) -> OkiDocOut:
    """The OKI-doc as the caller may see it: parents and a secondary school see everything the school
    hands on, but not the school's list of fields still to fill in."""
    hidden = caller.role is Role.PARENT or view.for_secondary
    missing = None if hidden else [item.as_dict() for item in view.missing]
    return OkiDocOut.model_validate(
        {
            **view.document,
            "pupil_id": view.pupil_id,
            "status": view.status,
            "missing": missing,
            "revision_needed": view.revision_needed,
            "changed_at": view.changed_at,
            "completed_at": view.completed_at,
            "finalised_at": view.finalised_at,
        }
    )


PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The OKI-doc as a PDF."}
}


def oki_doc_router(oki_docs: OkiDocs, pdf: OkiDocPdf, calling: Calling) -> APIRouter:
    router = APIRouter(prefix="/pupils/{pupil_id}", tags=["oki-doc"], responses={**REFUSALS, **CONFLICT})
    Me = Annotated[Caller, Depends(calling)]

    @router.get("/oki-doc.pdf", response_class=Response, responses=PDF)
    async def read_pdf(pupil_id: UUID, me: Me) -> Response:
        """The OKI-doc as a PDF, for whoever reads the OKI-doc (audited for staff, as `format: pdf`)."""
        view = await oki_docs.read(me, pupil_id, as_pdf=True)
        headers = {
            "Content-Disposition": content_disposition("inline", f"oki-doc-{view.document['pupil']['elk_number']}.pdf"),
            "Cache-Control": "no-store",
        }
        document = out(view, me).model_dump(mode="json", exclude={"missing"})
        return Response(await pdf.render(document), media_type="application/pdf", headers=headers)

    @router.get("/oki-doc", response_model=OkiDocOut)
    async def read(pupil_id: UUID, me: Me) -> OkiDocOut:
        """The pupil's OKI-doc with its status and the required fields still missing. Audited for staff."""
        return out(await oki_docs.read(me, pupil_id), me)

    @router.patch("/oki-doc", response_model=OkiDocOut)
    async def change(pupil_id: UUID, change: OkiDocChange, me: Me) -> OkiDocOut:
        """The school replaces the parts it sends. A final (Definitief) OKI-doc is locked: 409."""
        return out(await oki_docs.change(me, pupil_id, change.parts()), me)

    @router.post("/oki-doc/complete", response_model=OkiDocOut)
    async def complete(pupil_id: UUID, me: Me) -> OkiDocOut:
        """Onvolledig → Volledig. When required fields are missing: 409, listing each by path and name."""
        return out(await oki_docs.complete(me, pupil_id), me)

    @router.post("/oki-doc/finalise", response_model=OkiDocOut)
    async def finalise(pupil_id: UUID, me: Me) -> OkiDocOut:
        """Volledig → Definitief, once the parents' inspection is in the overview. Locks the OKI-doc."""
        return out(await oki_docs.finalise(me, pupil_id), me)

    @router.post("/oki-doc/reopen", response_model=OkiDocOut)
    async def reopen(pupil_id: UUID, reopening: Reopening, me: Me) -> OkiDocOut:
        """Definitief → Volledig, by an administrator who reaches the pupil; the reason is audited."""
        return out(await oki_docs.reopen(me, pupil_id, reopening.reason), me)

    return router


def advice_router(oki_docs: OkiDocs, calling: Calling) -> APIRouter:
    router = APIRouter(prefix="/pupils/{pupil_id}", tags=["advice"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]

    @router.put("/doorstroomtoets", response_model=OkiDocOut)
    async def doorstroomtoets(pupil_id: UUID, result: DoorstroomtoetsIn, me: Me) -> OkiDocOut:
        """The school records the pupil's doorstroomtoets result."""
        return out(await oki_docs.record_doorstroomtoets(me, pupil_id, result.test, result.level), me)

    @router.put("/final-advice", response_model=OkiDocOut)
    async def final_advice(pupil_id: UUID, advice: FinalAdviceIn, me: Me) -> OkiDocOut:
        """The school gives the final advice (`dossier.final_advice.given.v1`), which opens registration.
        Below a higher doorstroomtoets result only with `not_raised_because` (else 422)."""
        given = await oki_docs.give_final_advice(
            me, pupil_id, advice.level, advice.motivation, advice.not_raised_because
        )
        return out(given, me)

    return router
