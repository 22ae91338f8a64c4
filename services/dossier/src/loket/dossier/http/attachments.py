"""Attachments to the OKI-doc over HTTP: the file is the request's body (`Content-Type` one of
application/pdf, image/png, image/jpeg; its name in `?file_name=`), at most
`LOKET_DOSSIER_ATTACHMENT_MAX_BYTES` (413 beyond). Downloads are served as attachments, never shown
inline, with `nosniff` and no caching."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel

from loket.contracts.runtime.downloads import content_disposition
from loket.dossier.application.attachments import Attachments
from loket.dossier.domain.access import Caller
from loket.dossier.domain.attachments import SIGNATURES, AttachmentInfo, TooLarge
from loket.dossier.http.caller import REFUSALS, Calling

FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in sorted(SIGNATURES)},
        "description": "The file itself; its bytes must be what the Content-Type says.",
    }
}
FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {kind: {} for kind in sorted(SIGNATURES)}, "description": "The file."}
}


class AttachmentOut(BaseModel):
    id: UUID
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, info: AttachmentInfo) -> "AttachmentOut":
        return cls.model_validate(info, from_attributes=True)


def attachments_router(attachments: Attachments, calling: Calling) -> APIRouter:
    router = APIRouter(prefix="/pupils/{pupil_id}/oki-doc/attachments", tags=["oki-doc"], responses=REFUSALS)
    Me = Annotated[Caller, Depends(calling)]
    too_large = f"the file is larger than {attachments.max_bytes} bytes"

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=AttachmentOut,
        openapi_extra=FILE_BODY,
        responses={409: {"description": "The OKI-doc is final, or has its maximum of attachments."}},
    )
    async def add(
        pupil_id: UUID,
        request: Request,
        me: Me,
        file_name: Annotated[
            str | None, Query(max_length=255, description="The file's name, for the download.")
        ] = None,
    ) -> AttachmentOut:
        """The pupil's own primary school attaches a file (bijlage) to the OKI-doc, while it is not final."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > attachments.max_bytes:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large)
        content = await request.body()
        try:
            added = await attachments.add(me, pupil_id, request.headers.get("content-type"), file_name, content)
        except TooLarge:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large) from None
        return AttachmentOut.of(added)

    @router.get("", response_model=list[AttachmentOut])
    async def listed(pupil_id: UUID, me: Me) -> list[AttachmentOut]:
        """The OKI-doc's attachments, for whoever reads the OKI-doc. Audited."""
        return [AttachmentOut.of(info) for info in await attachments.listed(me, pupil_id)]

    @router.get("/{attachment_id}", response_class=Response, responses=FILE_ANSWER)
    async def download(pupil_id: UUID, attachment_id: UUID, me: Me) -> Response:
        """One attachment's file, for whoever reads the OKI-doc. Audited."""
        attachment = await attachments.download(me, pupil_id, attachment_id)
        headers = {
            "Content-Disposition": content_disposition("attachment", attachment.file_name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        }
        return Response(attachment.content, media_type=attachment.media_type, headers=headers)

    return router
