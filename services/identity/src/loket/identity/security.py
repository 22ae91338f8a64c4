"""What identity's login, sessions, links and staff administration share: the database, the outbox,
the token issuer, password hashing and the limits from the settings."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.sealing import Sealer
from loket.identity.domain.passwords import Passwords, Verdict
from loket.identity.domain.sessions import SessionLimits
from loket.identity.domain.throttling import Limit
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.throttle import Attempts
from loket.identity.settings import IdentitySettings
from loket.identity.tokens import TokenIssuer

SEALED = "v1:"  # a sealed TOTP secret, base64; the rest are from before sealing


@dataclass(frozen=True)
class Throttled:
    """Too many attempts: try again after `retry_after` seconds (HTTP 429 with Retry-After)."""

    retry_after: int


@dataclass
class Security:
    database: Database
    outbox: Outbox
    issuer: TokenIssuer
    settings: IdentitySettings
    passwords: Passwords = field(default_factory=Passwords)
    totp_sealer: Sealer = field(init=False)  # reads its key on first use

    def __post_init__(self) -> None:
        key = self.settings.totp_key.get_secret_value() if self.settings.totp_key else None
        self.totp_sealer = Sealer(key, self.settings.var_dir / "identity-totp.key", "LOKET_IDENTITY_TOTP_KEY")

    def totp_secret(self, account: StaffAccount) -> str | None:
        """The account's TOTP secret, opened; a secret stored before sealing existed is read as it is."""
        stored = account.totp_secret
        if stored is None or not stored.startswith(SEALED):
            return stored
        return self.totp_sealer.open(base64.b64decode(stored[len(SEALED) :]), account.id.bytes)

    def keep_totp_secret(self, account: StaffAccount, secret: str) -> None:
        """Store `secret` sealed, bound to the account: the database alone does not give the codes."""
        account.totp_secret = SEALED + base64.b64encode(self.totp_sealer.seal(secret, account.id.bytes)).decode()

    def seal_if_plain(self, account: StaffAccount, secret: str) -> None:
        """A secret stored before sealing existed is sealed the next time it is used."""
        if account.totp_secret is not None and not account.totp_secret.startswith(SEALED):
            self.keep_totp_secret(account, secret)

    @property
    def session_limits(self) -> SessionLimits:
        return SessionLimits(
            idle=timedelta(minutes=self.settings.session_idle_minutes),
            lifetime=timedelta(hours=self.settings.session_max_hours),
        )

    def attempts(self, session: AsyncSession) -> Attempts:
        window = timedelta(minutes=self.settings.throttle_window_minutes)
        return Attempts(
            session,
            per_account=Limit(self.settings.throttle_account_attempts, window),
            per_address=Limit(self.settings.throttle_address_attempts, window),
        )

    async def verify_password(self, password: str, stored: str | None) -> Verdict:
        """argon2id takes a tenth of a second on purpose: off the event loop, outside any transaction."""
        return await asyncio.to_thread(self.passwords.verify, password, stored)

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self.passwords.hash, password)

    @property
    def totp_issuer(self) -> str:
        return f"Loket {self.settings.region}"
