"""What identity's login, sessions, links and staff administration share: the database, the outbox,
the token issuer, password hashing and the limits from the settings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.identity.domain.passwords import Passwords, Verdict
from loket.identity.domain.sessions import SessionLimits
from loket.identity.domain.throttling import Limit
from loket.identity.persistence.throttle import Attempts
from loket.identity.settings import IdentitySettings
from loket.identity.tokens import TokenIssuer


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
