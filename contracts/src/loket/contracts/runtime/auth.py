"""Bearer tokens on a service's routes: `Depends(bearer(verifier))` gives the caller's `Claims`."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tokens import JWKS_PATH, Claims, InvalidToken, KeysUnavailable, Role, TokenVerifier

IMPERSONATED_BY = "Loket-Impersonated-By"
_scheme = HTTPBearer(auto_error=False, description="An access token from identity (`POST /login`).")


def token_verifier(settings: ServiceSettings) -> TokenVerifier:
    """Verifies identity's tokens for this service's region, with keys fetched from identity."""
    return TokenVerifier(
        jwks_url=settings.identity_url.rstrip("/") + JWKS_PATH,
        issuer=settings.token_issuer or settings.identity_url,
        region=settings.region,
    )


def bearer(verifier: TokenVerifier) -> Callable[..., Awaitable[Claims]]:
    async def claims(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)],
    ) -> Claims:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "log in first: no bearer token", {"WWW-Authenticate": "Bearer"}
            )
        try:
            found = await verifier.verify(credentials.credentials)
        except KeysUnavailable:
            raise  # 503 with Retry-After, as every unavailable answer (`errors.py`)
        except InvalidToken as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, str(exc), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        if found.act is not None:
            request.state.impersonated_by = found.act.sub
        return found

    return claims


def require_role(verifier: TokenVerifier, *roles: Role) -> Callable[..., Awaitable[Claims]]:
    """A dependency that lets only these roles through (403 for others), for routes that act for the
    whole region rather than on one school's objects."""
    caller = bearer(verifier)

    async def claims(found: Annotated[Claims, Depends(caller)]) -> Claims:
        if found.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"only {', '.join(roles)} may do this")
        return found

    return claims


def forbidden(what: str) -> HTTPException:
    """The same answer whether the object exists or not, so scope does not leak what exists."""
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")


class ImpersonationHeader:
    """Adds `Loket-Impersonated-By: <board contact's account id>` to every response to a request whose
    token was issued while a board contact looks along as the user (meekijken), error responses
    included, so that the screen can always say so. Every service's app has it (`Runtime.http_app`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("impersonated_by"):
                headers = list(message.get("headers", []))
                headers.append((IMPERSONATED_BY.lower().encode(), str(state["impersonated_by"]).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, marked)
