"""Printing letters with WeasyPrint 70, locked down and in batches.

Locked down: Jinja2 escapes every field (a name holding `<img src=file:///…>` prints as those
characters), and WeasyPrint loads nothing but what is packaged with the templates or given as a
`data:` URI (`fetching.py`). Logos and signatures must be `data:image/…` URIs.

In batches: starting WeasyPrint and laying out one letter alone costs ~0.3 s; many letters laid out
in one `HTML(...).render()`, with one `FontConfiguration` and one compiled stylesheet for the whole
life of the `Printer`, cost a few ms each. A batch is one HTML document, each letter a section that
starts on a new page; each letter's pages are found by its anchor and written as a PDF of its own
(`pdfs`), or the batch as one PDF for the printer (`batch_pdf`). Writing a PDF subsets its fonts, so
the letters use small packaged fonts (`scripts/letter_fonts.py`).

A Printer is not thread-safe: use one per thread (or hold a lock around it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from loket.contracts.brin import is_brin_with_location
from loket.notificatie.adapters.letters.fetching import PackagedOnly

TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("placement_letter", "registration_receipt", "registration_summary", "paper_form", "notarial_report")
TIME_ZONE = ZoneInfo("Europe/Amsterdam")
IMAGE = re.compile(r"^data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")
LOGO_FILES = ("logo.svg", "logo.png")


class InvalidLetter(ValueError):
    """A letter that cannot be printed as asked: an unknown kind, a bad BRIN, an image that is not a data URI."""


@dataclass(frozen=True)
class Letter:
    kind: str  # one of KINDS
    fields: Mapping[str, Any] = field(default_factory=dict)
    school_brin: str | None = None  # whose template and logo, where the school has its own
    reference: str = ""  # printed in the footer of every page, e.g. the case reference


class Printer:
    def __init__(self, directory: Path = TEMPLATES, *, sender: str = "Loket") -> None:
        self.directory = directory
        self.sender = sender
        self.env = Environment(
            loader=FileSystemLoader(directory), autoescape=True, undefined=StrictUndefined, auto_reload=False
        )
        self.env.filters["datum"] = _dutch_date
        self.env.filters["datum_tijd"] = _dutch_datetime
        self.fetcher = PackagedOnly(directory)
        self.fonts = FontConfiguration()
        self.stylesheet = CSS(filename=str(directory / "letter.css"), url_fetcher=self.fetcher, font_config=self.fonts)

    def html(self, letters: Sequence[Letter], *, today: date | None = None) -> str:
        """The batch as one HTML document: a section per letter."""
        today = today or date.today()
        sections = []
        for number, letter in enumerate(letters):
            body = self.env.get_template(self._template(letter)).render(self._context(letter, today))
            sections.append(
                Markup(
                    '<section class="letter" id="letter-{}" data-reference="{}" data-sender="{}">{}</section>'
                ).format(number, letter.reference, self.sender, Markup(body))  # noqa: S704  (autoescaped by its template)
            )
        return (
            f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"></head><body>{"".join(sections)}</body></html>'
        )

    def pdfs(self, letters: Sequence[Letter], *, today: date | None = None) -> list[bytes]:
        """One PDF per letter, all laid out in one go."""
        document = self._render(letters, today)
        starts = _first_pages(document.pages)
        if len(starts) != len(letters):
            raise RuntimeError(f"{len(letters)} letters, but {len(starts)} found in the printed pages")
        ends = [*starts[1:], len(document.pages)]
        return [document.copy(document.pages[start:end]).write_pdf() for start, end in zip(starts, ends, strict=True)]

    def batch_pdf(self, letters: Sequence[Letter], *, today: date | None = None) -> bytes:
        """All letters in one PDF, each starting on a new page (for printing and posting)."""
        pdf: bytes = self._render(letters, today).write_pdf()
        return pdf

    def pdf(self, letter: Letter, *, today: date | None = None) -> bytes:
        return self.pdfs([letter], today=today)[0]

    def _render(self, letters: Sequence[Letter], today: date | None) -> Any:
        if not letters:
            raise InvalidLetter("no letters to print")
        html = HTML(
            string=self.html(letters, today=today), base_url=self.directory.as_uri() + "/", url_fetcher=self.fetcher
        )
        return html.render(font_config=self.fonts, stylesheets=[self.stylesheet])

    def _template(self, letter: Letter) -> str:
        if letter.kind not in KINDS:
            raise InvalidLetter(f"no letter of kind {letter.kind!r}; there are {', '.join(KINDS)}")
        if letter.school_brin is not None:
            if not is_brin_with_location(letter.school_brin):  # part of a path below
                raise InvalidLetter(f"not a BRIN number with its location: {letter.school_brin!r}")
            own = f"schools/{letter.school_brin}/{letter.kind}.html"
            if (self.directory / own).is_file():
                return own
        return f"{letter.kind}.html"

    def _context(self, letter: Letter, today: date) -> dict[str, Any]:
        fields = dict(letter.fields)
        for image in ("logo", "signature"):
            value = fields.get(image)
            if value is not None and not IMAGE.match(str(value)):
                raise InvalidLetter(f"{image} must be a data:image/png, jpeg or svg+xml URI")
        if fields.get("logo") is None:
            fields["logo"] = self._packaged_logo(letter.school_brin)
        fields.setdefault("signature", None)
        dated = fields.get("date") or today
        return {
            "school_address": (),
            "address": (),
            "reply_weeks": 4,
            "lower_preference": False,
            **fields,
            "date_text": _dutch_date(dated),
        }

    def _packaged_logo(self, brin: str | None) -> str | None:
        if brin is None:
            return None
        for name in LOGO_FILES:
            if (self.directory / "schools" / brin / name).is_file():
                return f"schools/{brin}/{name}"  # relative to the templates: the fetcher serves it
        return None


def _first_pages(pages: Sequence[Any]) -> list[int]:
    """The page each letter starts on. A letter longer than a page (a long list, the paper form) carries
    its section's anchor on every page it covers: only the first counts."""
    seen: set[str] = set()
    starts = []
    for index, page in enumerate(pages):
        new = {anchor for anchor in page.anchors if anchor.startswith("letter-")} - seen
        if new:
            starts.append(index)
            seen |= new
    return starts


def _dutch_date(value: date | datetime) -> str:
    return str(format_date(value, format="long", locale="nl"))


def _dutch_datetime(value: datetime) -> str:
    return str(format_datetime(value, format="d MMMM y, HH:mm", tzinfo=TIME_ZONE, locale="nl"))


__all__ = ["KINDS", "InvalidLetter", "Letter", "Printer", "escape"]
