"""identity's public keys, for every service that verifies its tokens (`loket.contracts.tokens`)."""

from typing import Any

from fastapi import APIRouter, Response

from loket.contracts.tokens import JWKS_PATH
from loket.identity.adapters.tokens import SigningKeys


def keys_router(keys: SigningKeys) -> APIRouter:
    router = APIRouter(tags=["tokens"])

    @router.get(JWKS_PATH)
    async def jwks(response: Response) -> dict[str, Any]:
        """The public keys identity signs access tokens with (RFC 7517); a token's `kid` names one."""
        response.headers["Cache-Control"] = "public, max-age=60"
        return keys.jwks()

    return router
