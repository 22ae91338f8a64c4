"""Mails from Jinja2 templates: `templates/<language>/<template>/{subject.txt,body.txt,body.html}`.

Dutch is the base language; a template missing in the parent's language falls back to Dutch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
BASE_LANGUAGE = "nl"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class MailTemplates:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def language_for(self, template: str, language: str) -> str:
        return language if (self.directory / language / template).is_dir() else BASE_LANGUAGE

    def render(self, template: str, language: str, context: dict[str, Any]) -> RenderedMail:
        folder = f"{self.language_for(template, language)}/{template}"

        def part(name: str) -> str:
            return self.env.get_template(f"{folder}/{name}").render(context)

        return RenderedMail(subject=part("subject.txt").strip(), text=part("body.txt"), html=part("body.html"))
