"""What every answer of the portal carries, and the check of every form.

Forms carry the session's form token (double submit: it is in the sealed cookie and in the form, and a
site that is not the portal can read neither). A Content-Security-Policy without 'unsafe-inline' allows
only the portal's own scripts, styles and images; nothing is fetched from another host.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # no page's address (some hold a token) goes to another site; none of the portal's links need it
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
PRIVATE = {"Cache-Control": "no-store"}
STATIC = {"Cache-Control": "public, max-age=31536000, immutable"}


class FormExpired(Exception):
    """The form's token is missing or not this session's: it came from elsewhere, or the session is over."""


async def checked_form(request: Request) -> dict[str, Any]:
    """The posted form, once its token is the session's; every POST route takes its fields from here."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, request.state.session.csrf):
        raise FormExpired
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key == "csrf_token" or not isinstance(value, str):
            continue
        if key in fields:
            existing = fields[key]
            fields[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[key] = value
    return fields


CheckedForm = Annotated[dict[str, Any], Depends(checked_form)]
