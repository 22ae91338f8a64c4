"""Who is calling identity: the access token (verified against identity's own keys), the client
address, and the header that marks every response of a session in which someone looks along; and the
shape of a refusal a person can cause: `{"detail", "code", "field"?}` (`domain/problems.py`)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier
from loket.identity.application.context import Throttled
from loket.identity.domain.problems import ErrorCode, FormField

NO_STORE = {"Cache-Control": "no-store"}
# a page whose address carries a token: the token goes to no other site and into no cache
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", **NO_STORE}
HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}  # a page, unless the client asks for JSON


def client_address(request: Request) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy (the portal), what its
    `X-Forwarded-For` says (`ProxyHeadersMiddleware` in `app.py`, `LOKET_IDENTITY_TRUSTED_PROXIES`)."""
    return request.client.host if request.client else None


def wants_json(request: Request) -> bool:
    """A client (the portal) that asks for JSON rather than the HTML page."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


class Problem(BaseModel):
    """A refusal a person caused (docs/tokens.md, "Error codes")."""

    detail: str = Field(description="What went wrong, in Dutch / English, for a person.")
    code: ErrorCode = Field(description="What went wrong, for a program: stable; a portal translates it.")
    field: FormField | None = Field(default=None, description="The form field the problem concerns, if one.")
    retry_after: int | None = Field(default=None, description="`throttled`: seconds to wait (as `Retry-After`).")


def problem_body(detail: str, code: ErrorCode, field: FormField | None = None, **extra: Any) -> dict[str, Any]:
    """A refusal as JSON: the bilingual `detail` for a person, the stable `code` (and the form `field`
    it concerns) for a portal."""
    return {"detail": detail, "code": code.value, **({"field": field.value} if field else {}), **extra}


def throttled_detail(throttled: Throttled) -> str:
    return (
        f"Te veel pogingen; probeer het over {throttled.retry_after} seconden opnieuw. / "
        f"Too many attempts; try again in {throttled.retry_after} seconds."
    )


def caller(verifier: TokenVerifier) -> Callable[..., Awaitable[Claims]]:
    """The caller's claims; a token with `act` (meekijken) marks the response with who looks along
    (`loket.contracts.runtime.auth.ImpersonationHeader`)."""
    return bearer(verifier)


def too_many(throttled: Throttled, headers: dict[str, str] | None = None) -> JSONResponse:
    """429 with `Retry-After`, and `retry_after` (the same seconds) in the body."""
    return JSONResponse(
        problem_body(throttled_detail(throttled), ErrorCode.THROTTLED, retry_after=throttled.retry_after),
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(throttled.retry_after), **NO_STORE, **(headers or {})},
    )
