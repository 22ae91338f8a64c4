"""What every answer of every service carries (`Runtime.http_app`), JSON, page, refusal and crash alike.

- `Content-Security-Policy`: everything from the service itself and nothing else, no inline script or
  style, never in a frame (`frame-ancestors 'none'`), forms post only back to it. identity's pages take
  their stylesheet from identity; `/docs` takes Swagger UI's files from the service (`api_docs.py`);
  images may also be `data:` URLs (Swagger UI's icons are).
- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`: no address (some carry a token)
  goes to another site.
- `Strict-Transport-Security` on an answer to a request that came over TLS: TLS ends at the ingress
  controller, which says so in `X-Forwarded-Proto`. That header is believed from anyone here, because a
  browser ignores HSTS it receives over plain HTTP (RFC 6797, 8.1): believing it can only ever send the
  header where it counts.

A route that sets its own `Content-Security-Policy` or `Referrer-Policy` keeps it (a download may
want a stricter one). There is no `Server` header: uvicorn's is off (`runtime/cli.py`).

The portal has its own, stricter set (`loket.portaal.security`); the `secure` package was not used
because its middleware overwrites what a route set and sends HSTS over plain HTTP too.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
UNLESS_SET = {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"}
ALWAYS = {"X-Content-Type-Options": "nosniff"}


def over_tls(scope: Scope) -> bool:
    """Whether the client reached us over TLS: directly, or at the ingress controller that forwarded it."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
    return forwarded.split(",", 1)[0].strip().lower() == "https"


class SecurityHeaders:
    """The headers above on every HTTP answer. `Runtime.http_app` puts it outside all other middleware,
    Starlette's own error handler included, so that even a 500 carries them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = over_tls(scope)

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)  # a list of its own: the response's is left alone
                for name, value in UNLESS_SET.items():
                    headers.setdefault(name, value)
                headers.update(ALWAYS)
                if tls:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, secured)
