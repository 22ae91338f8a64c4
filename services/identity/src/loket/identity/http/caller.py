"""Who is calling identity: the access token (verified against identity's own keys), the client
address, and the header that marks every response of a session in which someone looks along."""

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, status

from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier
from loket.identity.security import Throttled

NO_STORE = {"Cache-Control": "no-store"}


def client_address(request: Request) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy (the portal), what its
    `X-Forwarded-For` says (`ProxyHeadersMiddleware` in `app.py`, `LOKET_IDENTITY_TRUSTED_PROXIES`)."""
    return request.client.host if request.client else None


def caller(verifier: TokenVerifier) -> Callable[..., Awaitable[Claims]]:
    """The caller's claims; a token with `act` (meekijken) marks the response with who looks along
    (`loket.contracts.runtime.auth.ImpersonationHeader`)."""
    return bearer(verifier)


def too_many(throttled: Throttled) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"Te veel pogingen; probeer het over {throttled.retry_after} seconden opnieuw. / "
        f"Too many attempts; try again in {throttled.retry_after} seconds.",
        {"Retry-After": str(throttled.retry_after), **NO_STORE},
    )
