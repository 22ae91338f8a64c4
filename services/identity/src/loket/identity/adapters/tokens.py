"""identity's signing keys and the access tokens it issues (verified everywhere by `loket.contracts.tokens`).

Keys are Ed25519, one PEM file per key in `LOKET_IDENTITY_KEYS_DIR` (in production a mounted secret,
shared by every identity replica), named `<kid>.pem`; kids sort by age, and the newest signs. Every
key in the folder is published in the JWKS, so rotation is: add a key (`loket-identity-keys rotate`),
and remove the old file once the last token it signed has expired. The folder is read again when it
changes, so running replicas pick a rotation up without a restart. When the folder is empty (a
developer's machine), a first key is made.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loket.contracts.tokens import ALGORITHM, AUDIENCE, Actor, Claims, InvalidToken, Role, Scope, TokenVerifier

log = logging.getLogger(__name__)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


class SigningKeys:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: float | None = None
        self._keys: list[SigningKey] = []

    def current(self) -> SigningKey:
        keys = self._load()
        if not keys:
            log.warning(
                "no signing key in %s: making one (fine for development; mount keys in production)", self.folder
            )
            self.rotate()
            keys = self._load()
        return keys[-1]

    def all(self) -> list[SigningKey]:
        self.current()
        return list(self._keys)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.all()]}

    def find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.all() if key.kid == kid), None)

    def rotate(self) -> str:
        """Add a new key, which signs from now on; the old ones stay published."""
        self.folder.mkdir(parents=True, exist_ok=True)
        kid = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path = self.folder / f"{kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        self._seen = None
        return kid

    def _load(self) -> list[SigningKey]:
        try:
            stamp = self.folder.stat().st_mtime
        except FileNotFoundError:
            return []
        if stamp != self._seen:
            keys = []
            for path in sorted(self.folder.glob("*.pem")):
                private = serialization.load_pem_private_key(path.read_bytes(), password=None)
                if isinstance(private, Ed25519PrivateKey):
                    keys.append(SigningKey(path.stem, private))
            self._keys, self._seen = keys, stamp
        return self._keys


@dataclass(frozen=True)
class IssuedAccess:
    token: str
    expires_at: datetime


class TokenIssuer:
    def __init__(
        self, keys: SigningKeys, *, issuer: str, region: str, lifetime: timedelta = ACCESS_TOKEN_LIFETIME
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.region = region
        self.lifetime = lifetime

    def issue(
        self,
        *,
        subject: str,
        role: Role,
        scope: Scope,
        session_id: str | None = None,
        act: Actor | None = None,
        now: datetime | None = None,
    ) -> IssuedAccess:
        now = now or datetime.now(UTC)
        expires_at = now + self.lifetime
        claims = Claims(
            iss=self.issuer,
            aud=AUDIENCE,
            sub=subject,
            role=role,
            region=self.region,
            scope=scope,
            iat=int(now.timestamp()),
            exp=int(expires_at.timestamp()),
            jti=uuid4().hex,
            sid=session_id,
            act=act,
        )
        key = self.keys.current()
        payload = claims.model_dump(mode="json", exclude_none=True)
        token = jwt.encode(payload, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})
        return IssuedAccess(token=token, expires_at=expires_at)

    def verifier(self) -> TokenVerifier:
        """identity verifying its own tokens: from its key folder, never over HTTP."""
        return _OwnKeys(self)


class _OwnKeys(TokenVerifier):
    def __init__(self, issuer: TokenIssuer) -> None:
        super().__init__(jwks_url="", issuer=issuer.issuer, region=issuer.region)
        self._issuer_keys = issuer.keys

    async def _key(self, kid: str) -> jwt.PyJWK:
        key = self._issuer_keys.find(kid)
        if key is None:
            raise InvalidToken("token is signed with a key identity does not publish")
        return jwt.PyJWK(key.public_jwk())
