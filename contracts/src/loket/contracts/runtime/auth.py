"""Bearer tokens on a service's routes: `Depends(bearer(verifier))` gives the caller's `Claims`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tokens import JWKS_PATH, Claims, InvalidToken, KeysUnavailable, Role, TokenVerifier

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
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_scheme)],
    ) -> Claims:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "log in first: no bearer token", {"WWW-Authenticate": "Bearer"}
            )
        try:
            return await verifier.verify(credentials.credentials)
        except KeysUnavailable as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None
        except InvalidToken as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, str(exc), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None

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
