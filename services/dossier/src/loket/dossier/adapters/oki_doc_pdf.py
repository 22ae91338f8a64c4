"""The OKI-doc as a PDF (WeasyPrint, pinned), locked down: the template and its CSS are packaged and
inlined (`templates/oki_doc.html`, `oki_doc.css`), every field is escaped text (Jinja2 autoescape), and
the URL fetcher refuses everything, so nothing a school typed into a field can make the renderer read
a file or reach the network. Rendering runs in a worker thread, one document at a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from loket.dossier.domain.oki_doc import SUPPORT_AREAS, Assessment, OkiDocStatus

STATUS_NAMES = {
    OkiDocStatus.INCOMPLETE: "Onvolledig",
    OkiDocStatus.COMPLETE: "Volledig",
    OkiDocStatus.FINAL: "Definitief",
}
ASSESSMENTS = {
    Assessment.GOES_WELL: "gaat goed",
    Assessment.NEEDS_ATTENTION: "vraagt aandacht",
    Assessment.NEEDS_SUPPORT: "vraagt ondersteuning",
}


class RefusingFetcher(URLFetcher):  # type: ignore[misc]
    """A URL fetcher that fetches nothing: no file://, no http(s)://, no data: from content. It keeps the
    URLs it was asked for, so that a test can see that nothing was even tried."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=())
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        self.refused.append(url)
        raise ValueError("dossier's PDFs fetch nothing")


class OkiDocPdf:
    def __init__(self) -> None:
        self.templates = Environment(
            loader=PackageLoader("loket.dossier.adapters", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
        )
        self._lock = threading.Lock()
        self._fonts = FontConfiguration()

    def html(self, doc: Mapping[str, Any]) -> str:
        """The OKI-doc's HTML from its whole document as the API gives it (`OkiDocOut`: every field present)."""
        address = doc["pupil"].get("address") or {}
        street = " ".join(str(address.get(key) or "") for key in ("street", "house_number")).strip()
        town = " ".join(str(address.get(key) or "") for key in ("postcode", "city")).strip()
        return self.templates.get_template("oki_doc.html").render(
            **doc,
            address=", ".join(part for part in (street, town) if part) or None,
            status_name=STATUS_NAMES[OkiDocStatus(doc["status"])],
            printed_on=datetime.now(UTC).date().strftime("%d-%m-%Y"),
            support_areas=[(area, label.capitalize()) for area, label in SUPPORT_AREAS.items()],
            assessments={str(key): name for key, name in ASSESSMENTS.items()},
        )

    def render_html(self, html: str, fetcher: RefusingFetcher | None = None) -> bytes:
        fetcher = fetcher or RefusingFetcher()
        with self._lock:
            pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(font_config=self._fonts)
        assert pdf is not None
        return bytes(pdf)

    async def render(self, doc: Mapping[str, Any]) -> bytes:
        return await asyncio.to_thread(self.render_html, self.html(doc))
