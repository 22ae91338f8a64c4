"""What WeasyPrint may load while it prints a letter: only files packaged with the templates (the
stylesheet, the fonts, a school's logo) and `data:` URIs (an uploaded logo or signature). Everything
else is refused before anything is opened: no `file://` outside the templates, no network, whatever
a field or a template says."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


class PackagedOnly(URLFetcher):  # type: ignore[misc]
    def __init__(self, root: Path) -> None:
        super().__init__(fail_on_errors=False)
        self.root = root.resolve()
        self.refused: list[str] = []  # what was asked for and refused, for tests and a warning

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": _content_type(path)})
        self.refused.append(url)
        log.warning("letters: refused to load a resource that is not packaged with the templates")
        raise PermissionError("only resources packaged with the letter templates may be loaded")


def _content_type(path: Path) -> str:
    return {
        ".css": "text/css",
        ".ttf": "font/ttf",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".jpg": "image/jpeg",
    }.get(path.suffix, "application/octet-stream")
