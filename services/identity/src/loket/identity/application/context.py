"""What identity's use cases share: the units of work, the settings, the token issuer, password hashing,
the sealed TOTP secrets, the portal's links (sealed for their events) and the throttle of failed attempts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.identity.adapters.portal_links import PortalLinks
from loket.identity.adapters.tokens import TokenIssuer
from loket.identity.adapters.totp_secrets import TotpSecrets
from loket.identity.domain.passwords import Passwords, Verdict
from loket.identity.domain.sessions import SessionLimits
from loket.identity.domain.throttling import Slowdown, Throttle
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.throttle import Attempts
from loket.identity.settings import IdentitySettings

Uow = UnitOfWork[AuditLog]


@dataclass(frozen=True)
class Throttled:
    """Too many failed attempts: this one is not checked; try again after `retry_after` seconds (HTTP 429
    with Retry-After)."""

    retry_after: int


@dataclass
class Context:
    work: Work[AuditLog]
    issuer: TokenIssuer
    settings: IdentitySettings
    passwords: Passwords = field(default_factory=Passwords)
    totp: TotpSecrets = field(init=False)
    links: PortalLinks = field(init=False)

    def __post_init__(self) -> None:
        self.totp = TotpSecrets.of(self.settings)
        self.links = PortalLinks(self.settings.portal_url, self.settings.link_sealer())

    @property
    def session_limits(self) -> SessionLimits:
        return SessionLimits(
            idle=timedelta(minutes=self.settings.session_idle_minutes),
            lifetime=timedelta(hours=self.settings.session_max_hours),
        )

    @property
    def throttle(self) -> Throttle:
        settings = self.settings
        first, longest = (
            timedelta(seconds=settings.throttle_first_delay_seconds),
            timedelta(seconds=settings.throttle_max_delay_seconds),
        )
        return Throttle(
            window=timedelta(minutes=settings.throttle_window_minutes),
            address_window=timedelta(minutes=settings.throttle_address_window_minutes),
            per_account=Slowdown(settings.throttle_account_attempts, first, longest),
            per_address=Slowdown(settings.throttle_address_attempts, first, longest),
        )

    def attempts(self, uow: Uow) -> Attempts:
        return Attempts(uow.session, self.throttle)

    async def verify_password(self, password: str, stored: str | None) -> Verdict:
        """argon2id takes a tenth of a second on purpose: off the event loop, outside any unit of work."""
        return await asyncio.to_thread(self.passwords.verify, password, stored)

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self.passwords.hash, password)

    @property
    def totp_issuer(self) -> str:
        return f"Loket {self.settings.region}"
