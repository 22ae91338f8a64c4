"""`/docs`: Swagger UI, served whole by the service itself, so that it loads nothing from another host,
works offline and obeys the services' Content-Security-Policy (`security.py`: no inline script).

Swagger UI's files come from the pinned package `fastapi-offline` (contracts' pyproject; the lock file
fixes its hashes), which ships them for this purpose; the page and its starting script are ours, because
FastAPI's own page starts Swagger UI with an inline script. ReDoc is not served: it needs inline styles.
`LOKET_API_DOCS=false` (`ServiceSettings.api_docs`) serves none of it; the region overlays say so.
`/openapi.json` stays either way.
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

DOCS = "/docs"
_OFFLINE = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": (_OFFLINE / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_OFFLINE / "swagger-ui.css", "text/css"),
    "favicon.png": (_OFFLINE / "favicon.png", "image/png"),
    "swagger-initializer.js": (Path(__file__).parent / "swagger-initializer.js", "text/javascript"),
}
# the files change only with a new package version; a day keeps a reload after an upgrade right
CACHED = {"Cache-Control": "public, max-age=86400"}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{docs}/swagger-ui.css">
<link rel="icon" href="{docs}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{docs}/swagger-ui-bundle.js"></script>
<script src="{docs}/swagger-initializer.js"></script>
</body>
</html>
"""


def api_docs_router(title: str, openapi_url: str) -> APIRouter:
    """`GET /docs` and the files it loads, `GET /docs/<file>`, all from this service."""
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = PAGE.format(
            title=html.escape(title), docs=html.escape(root + DOCS), openapi=html.escape(root + openapi_url)
        )
        return HTMLResponse(page)

    @router.get(DOCS + "/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
        path, media_type = ASSETS[name]
        return FileResponse(path, media_type=media_type, headers=CACHED)

    return router
