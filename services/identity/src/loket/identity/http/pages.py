"""The stylesheet of identity's own pages (activation, choosing or resetting a password), served by
identity: the Content-Security-Policy every service sends allows styles from the service itself only,
none inline in the page (`loket.contracts.runtime.security`)."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STYLESHEET = Path(__file__).parent / "templates" / "pages.css"


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/pages.css")
    async def stylesheet() -> FileResponse:
        return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    return router
