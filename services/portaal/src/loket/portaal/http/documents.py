"""The parent's documents as PDFs: notificatie prints them from what aanmelding recorded, asked with the
parent's own token; the portal only passes them on."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from loket.contracts.runtime.downloads import content_disposition
from loket.portaal.http.account import client
from loket.portaal.pages import language_of, session_of
from loket.portaal.services import Services, SignedOut

DOCUMENTS = {"control-document", "proof-of-registration"}


def documents_router(services: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/documents/{document}.pdf")
    async def document(request: Request, document: str) -> Response:
        session = session_of(request)
        if not session.signed_in or session.pupil is None:
            raise SignedOut
        if document not in DOCUMENTS:
            raise HTTPException(404)
        answer = await services.as_person(
            session,
            "notificatie",
            "GET",
            f"/pupils/{session.pupil}/documents/{document}.pdf",
            params={"language": language_of(request)},
            client=client(request),
        )
        return Response(
            answer.content,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition("attachment", f"{document}.pdf")},
        )

    return router
