"""Identity's access tokens: the claims every service reads, and the verifier every service uses.

identity signs short-lived JWTs (EdDSA, with a `kid`) and publishes its public keys as a JWKS at
`/.well-known/jwks.json`. A service verifies a token against that JWKS, the issuer, the audience and
its own region; nothing else about a caller is trusted. Scope says which objects the role reaches:
a board and its schools, one school (optionally some of its groups), or one pupil for a parent.
"""

from __future__ import annotations

import asyncio
import time
from enum import StrEnum
from typing import Any
from uuid import UUID

import httpx
import jwt
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

AUDIENCE = "loket"
ALGORITHM = "EdDSA"
JWKS_PATH = "/.well-known/jwks.json"


class Role(StrEnum):
    REGION_ADMIN = "region_admin"
    BOARD_CONTACT = "board_contact"
    SCHOOL_ADMIN = "school_admin"
    SCHOOL_USER = "school_user"
    PARENT = "parent"


class Scope(BaseModel):
    """What a role reaches. Schools are BRIN codes; an empty `groups` means all groups of the schools."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    board: str | None = None
    schools: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    pupil: UUID | None = None


class Actor(BaseModel):
    """Who really acts while impersonating (`meekijken`), as RFC 8693's `act` claim."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str
    role: Role


class Claims(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    iss: str
    aud: str
    sub: str
    role: Role
    region: str
    scope: Scope
    iat: int
    exp: int
    jti: str
    sid: str | None = None
    act: Actor | None = None

    @field_validator("sid")
    @classmethod
    def _a_session_id(cls, sid: str | None) -> str | None:
        """identity's session ids are UUIDs: a token with another `sid` is refused when verified."""
        if sid is not None:
            UUID(sid)
        return sid

    def account(self) -> UUID:
        """The caller's account: identity issues every token with the account's id as `sub`. A validly
        signed token whose `sub` is not one names no account and is refused like any invalid token
        (`InvalidToken`, which every service answers 401: `loket.contracts.runtime.errors`)."""
        try:
            return UUID(self.sub)
        except ValueError:
            raise InvalidToken("the token's subject is not an account") from None

    def reaches_school(self, brin: str) -> bool:
        """Whether this caller may act for the school `brin` in its region."""
        if self.role is Role.REGION_ADMIN:
            return True
        return self.role is not Role.PARENT and brin in self.scope.schools

    def reaches_pupil(self, pupil_id: UUID, school_brin: str) -> bool:
        if self.role is Role.PARENT:
            return self.scope.pupil == pupil_id
        return self.reaches_school(school_brin)


class InvalidToken(Exception):
    """Why a token is refused; safe to show to the caller (it names no key material)."""


class KeysUnavailable(InvalidToken):
    """identity's JWKS could not be fetched: the caller is not at fault, the service is unavailable."""


class TokenVerifier:
    """Checks signature (`kid` from identity's JWKS), expiry, issuer, audience and region.

    The JWKS is fetched on first use and again when a token names a `kid` it does not know (identity
    rotated its keys), at most once per `refresh_interval` seconds so that made-up `kid`s cannot make
    every request fetch. PyJWT's own `PyJWKClient` fetches synchronously; services are async, so this
    fetches with httpx and lets PyJWT do all of the cryptography.
    """

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        region: str,
        audience: str = AUDIENCE,
        leeway: float = 5.0,
        refresh_interval: float = 30.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._region = region
        self._audience = audience
        self._leeway = leeway
        self._refresh_interval = refresh_interval
        self._client = client
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], *, issuer: str, region: str, audience: str = AUDIENCE) -> TokenVerifier:
        """A verifier with fixed keys, never fetching (identity verifying its own tokens, tests)."""
        verifier = cls(jwks_url="", issuer=issuer, region=region, audience=audience, refresh_interval=float("inf"))
        verifier._keys = _keys(jwks)
        verifier._fetched_at = float("inf")
        return verifier

    async def verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("not a token") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken("token is not signed the way identity signs")
        key = await self._key(kid)
        try:
            payload = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token refused: {exc}") from None
        try:
            claims = Claims.model_validate(payload)
        except ValidationError:
            raise InvalidToken("token claims are incomplete") from None
        if claims.region != self._region:
            raise InvalidToken(f"token is for region {claims.region!r}, this is {self._region!r}")
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            # Wait for a fetch in flight rather than skipping it: the requests that come in together with
            # the first one (after a start or a key rotation) would otherwise be refused.
            async with self._lock:
                if kid not in self._keys and time.monotonic() - self._fetched_at >= self._refresh_interval:
                    await self._fetch()
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken("token is signed with a key identity does not publish") from None

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            if self._client is not None:
                response = await self._client.get(self._jwks_url)
            else:
                async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                    response = await client.get(self._jwks_url)
            response.raise_for_status()
            self._keys = _keys(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise KeysUnavailable(f"identity's keys are unavailable ({type(exc).__name__})") from None


def _keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    keys = jwt.PyJWKSet.from_dict(jwks).keys
    return {key.key_id: key for key in keys if key.key_id}
