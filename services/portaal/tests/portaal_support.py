"""The portal in-process (fixtures in conftest.py), its services answered by a stand-in transport that
records every call: for the portal's own rules (forms, cookies, headers, languages). The real services
are in tests/browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

Handler = Callable[[httpx.Request], httpx.Response]


class Services:
    """Answers by (method, path); records what the portal sent."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.calls: list[httpx.Request] = []

    def on(self, method: str, path: str, handler: Handler | dict[str, Any], status: int = 200, **headers: str) -> None:
        if isinstance(handler, dict):
            body = handler
            self.routes[(method, path)] = lambda _: httpx.Response(status, json=body, headers=headers)
        else:
            self.routes[(method, path)] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if request.url.path == "/healthz":
            return httpx.Response(200, json={"status": "alive"})
        handler = self.routes.get((request.method, request.url.path))
        return handler(request) if handler else httpx.Response(404, json={"detail": "not found"})

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [call for call in self.calls if call.method == method and call.url.path == path]


def access(
    pupil: str | None = "00000000-0000-0000-0000-000000000001",
    minutes: int = 10,
    role: str = "parent",
    **scope: Any,
) -> dict[str, Any]:
    """identity's answer to a sign-in: a parent's (one pupil) or, with `role` and `scope`, staff's."""
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    subject = "parent-1" if role == "parent" else f"{role}-1"
    reach = {"pupil": pupil} if role == "parent" else scope
    claims = {"sub": subject, "role": role, "region": "demo", "scope": reach, "exp": int(expires.timestamp())}
    return {
        "access_token": jwt.encode(claims, "a stand-in key of thirty-two bytes", algorithm="HS256"),
        "token_type": "Bearer",
        "expires_at": expires.isoformat(),
        "subject": subject,
        "role": role,
    }


def sign_in(portal: Any, services: Services, body: dict[str, Any]) -> None:
    """Through the login page, as the person `body` (an `access` answer) is."""
    services.on("POST", "/login", signed_in(body))
    token = csrf(portal.get("/login"))
    form = {"username": "someone", "password": "a long password", "csrf_token": token}
    assert portal.post("/login", data=form, follow_redirects=False).status_code == 303


def signed_in(body: dict[str, Any]) -> Handler:
    return lambda _: httpx.Response(
        200, json=body, headers={"set-cookie": "loket_refresh=refresh-1; HttpOnly; Secure; SameSite=strict; Path=/"}
    )


def csrf(page: httpx.Response) -> str:
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]
