"""Rendering a page: one Jinja environment per language (its catalog installed), and what every page
needs — the language and its direction, the form token, who is signed in, the language switch."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from loket.portaal import i18n
from loket.portaal.domain.navigation import navigation
from loket.portaal.errors import message
from loket.portaal.services import Problem
from loket.portaal.sessions import Session

TEMPLATES = Path(__file__).parent / "templates"


def _asset_version() -> str:
    """Part of every CSS address: it changes with the CSS, so a browser's year-long cache lets go."""
    digest = hashlib.sha256((Path(__file__).parent / "static" / "portal.css").read_bytes())
    lock = Path(__file__).resolve().parents[3] / "assets" / "package-lock.json"
    if lock.exists():
        digest.update(lock.read_bytes())
    return digest.hexdigest()[:12]


ASSET_VERSION = _asset_version()


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = lambda moment: i18n.when(moment, language)
    env.filters["day"] = lambda moment: i18n.day(moment, language)
    env.filters["options"] = lambda items, value, label: [(item[value], item[label]) for item in items or []]
    env.filters["advice"] = advice_name
    env.globals["asset_version"] = ASSET_VERSION
    return env


def advice_name(advice: str | None) -> str:
    """An advice as schools write it: vmbo_gt/havo → vmbo-gt/havo (the same in every language)."""
    return (advice or "").replace("_", "-")


def language_of(request: Request) -> str:
    return str(request.state.language)


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def translate(request: Request, text: str, **values: Any) -> str:
    translated = i18n.translations(language_of(request)).gettext(text)
    return translated.format(**values) if values else translated


def errors_of(request: Request, problems: list[Problem]) -> list[dict[str, str | None]]:
    """Problems as the error summary shows them: the message in the person's language, and the field's id
    to link to."""
    language = language_of(request)
    return [
        {"field": problem.field, "text": message(problem, i18n.translations(language).gettext, language)}
        for problem in problems
    ]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    language = language_of(request)
    session = session_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    errors = context.pop("errors", None) or []
    html = (
        environment(language)
        .get_template(template)
        .render(
            request=request,
            lang=language,
            dir=i18n.direction(language),
            csrf_token=session.csrf,
            session=session,
            staff_links=navigation(session.role, request.url.path, session.region) if session.staff else [],
            errors=errors,
            field_errors={error["field"]: error["text"] for error in errors if error.get("field")},
            languages=[
                {
                    "code": code,
                    "name": i18n.language_name(code),
                    "href": f"/language/{code}?next={quote(here, safe='')}",
                    "current": code == language,
                }
                for code in i18n.LANGUAGES
            ],
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)
