"""Logging in, for staff (by e-mail address) and parents (by ELK number) alike, and enrolling TOTP.

An unknown account, an account without a password yet and a wrong password get the same answer, in
the same time: the password is always checked against an argon2id hash, a dummy one if need be.
Failures are counted per account and per client address; once either has used up its window, every
try is answered 429 without checking anything. A right password is rehashed when the hash parameters
have changed. Staff whose role requires a second factor (`LOKET_IDENTITY_TOTP_REQUIRED_ROLES`), and
staff who enrolled one, also give a TOTP code; a required second factor not enrolled yet is enrolled
in the login itself: the answer shows the secret, and the next try confirms it with a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.tokens import Role
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.second_factor import accepted_step, new_secret, provisioning_uri
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.repository import Accounts
from loket.identity.persistence.staff import Staff
from loket.identity.security import Security, Throttled
from loket.identity.sessions import Account, SessionKeeper, Started


@dataclass(frozen=True)
class LoginRefused:
    """Wrong username or password: the same for an unknown account."""


@dataclass(frozen=True)
class AccountDeactivated:
    """The password was right, but an administrator deactivated the account."""


@dataclass(frozen=True)
class SecondFactorRequired:
    wrong_code: bool


@dataclass(frozen=True)
class SecondFactorEnrolment:
    """The role requires TOTP and none is enrolled: add this secret to an app and log in with a code."""

    secret: str
    otpauth_uri: str
    wrong_code: bool


LoginResult = Started | Throttled | LoginRefused | AccountDeactivated | SecondFactorRequired | SecondFactorEnrolment


async def find_account(session: AsyncSession, typed_username: str) -> Account | None:
    """Staff log in with their e-mail address, parents with their child's ELK number."""
    typed = typed_username.strip()
    if "@" in typed:
        return await Staff(session).by_email(typed.lower())
    return await Accounts(session).by_username(typed.upper())


class Login:
    def __init__(self, security: Security, keeper: SessionKeeper) -> None:
        self.security = security
        self.keeper = keeper

    async def login(
        self, username: str, password: str, totp_code: str | None, client_address: str | None
    ) -> LoginResult:
        now = datetime.now(UTC)
        key = account_key(AttemptKind.LOGIN, username)
        async with self.security.database.transaction() as session:
            wait = await self.security.attempts(session).retry_after(
                account_key=key, client_address=client_address, now=now
            )
            if wait is not None:
                AuditLog(session).record(
                    AuditAction.LOGIN, Outcome.THROTTLED, client_address=client_address, retry_after=wait
                )
                return Throttled(wait)
            found = await find_account(session, username)
            account_id, stored_hash = (found.id, found.password_hash) if found is not None else (None, None)

        verdict = await self.security.verify_password(password, stored_hash)

        async with self.security.database.transaction() as session:
            audit = AuditLog(session)
            account = await self._reload(session, found, account_id)
            if account is None or not verdict.valid or account.state == AccountState.PENDING:
                await self.security.attempts(session).record(
                    AttemptKind.LOGIN, account_key=key, client_address=client_address, now=now
                )
                reason = "unknown_account" if account is None else "wrong_password"
                audit.record(
                    AuditAction.LOGIN,
                    Outcome.FAILED,
                    subject_id=None if account is None else account.id,
                    client_address=client_address,
                    reason=reason,
                )
                return LoginRefused()
            if verdict.new_hash is not None:
                account.password_hash = verdict.new_hash  # the parameters rose since it was hashed
                session.add(account)
            if account.state == AccountState.DEACTIVATED:
                audit.record(
                    AuditAction.LOGIN,
                    Outcome.REFUSED,
                    subject_id=account.id,
                    client_address=client_address,
                    reason="deactivated",
                )
                return AccountDeactivated()
            if isinstance(account, StaffAccount) and self._needs_code(account):
                asked = await self._second_factor(session, account, totp_code, key, client_address, now)
                if asked is not None:
                    return asked
            await self.security.attempts(session).forget(key)
            started = await self.keeper.start(session, account, client_address=client_address, now=now)
            audit.record(
                AuditAction.LOGIN,
                Outcome.SUCCEEDED,
                actor_id=account.id,
                actor_role=started.role,
                subject_id=account.id,
                session_id=started.session_id,
                client_address=client_address,
                second_factor=isinstance(account, StaffAccount) and account.totp_confirmed_at is not None,
            )
            return started

    async def _reload(self, session: AsyncSession, found: Account | None, account_id: UUID | None) -> Account | None:
        if found is None or account_id is None:
            return None
        if isinstance(found, StaffAccount):
            return await Staff(session).get(account_id)
        return await Accounts(session).get(account_id)

    def _needs_code(self, account: StaffAccount) -> bool:
        return account.totp_confirmed_at is not None or account.role in self.security.settings.totp_required_roles

    async def _second_factor(
        self,
        session: AsyncSession,
        account: StaffAccount,
        code: str | None,
        key: str,
        client_address: str | None,
        now: datetime,
    ) -> SecondFactorRequired | SecondFactorEnrolment | None:
        """None when the code is right; otherwise what the caller must do next."""
        enrolling = account.totp_confirmed_at is None
        if enrolling and account.totp_secret is None:
            secret = new_secret()
            self.security.keep_totp_secret(account, secret)
            session.add(account)
        else:
            opened = self.security.totp_secret(account)
            assert opened is not None
            secret = opened
        if code is None:
            return self._ask(account, secret, enrolling, wrong_code=False)
        step = accepted_step(secret, code, last_step=account.totp_last_step, now=now)
        if step is None:
            await self.security.attempts(session).record(
                AttemptKind.LOGIN, account_key=key, client_address=client_address, now=now
            )
            AuditLog(session).record(
                AuditAction.LOGIN,
                Outcome.FAILED,
                subject_id=account.id,
                client_address=client_address,
                reason="wrong_second_factor",
            )
            return self._ask(account, secret, enrolling, wrong_code=True)
        account.totp_last_step = step
        self.security.seal_if_plain(account, secret)
        if enrolling:
            account.totp_confirmed_at = now
            AuditLog(session).record(
                AuditAction.SECOND_FACTOR_ENROLLED,
                Outcome.SUCCEEDED,
                actor_id=account.id,
                actor_role=account.role,
                subject_id=account.id,
                client_address=client_address,
                during="login",
            )
        session.add(account)
        return None

    def _ask(
        self, account: StaffAccount, secret: str, enrolling: bool, *, wrong_code: bool
    ) -> SecondFactorRequired | SecondFactorEnrolment:
        if not enrolling:
            return SecondFactorRequired(wrong_code=wrong_code)
        uri = provisioning_uri(secret, account=account.email, issuer=self.security.totp_issuer)
        return SecondFactorEnrolment(secret=secret, otpauth_uri=uri, wrong_code=wrong_code)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


class SecondFactors:
    """A staff member who is logged in enrols TOTP (optional roles), in two steps."""

    def __init__(self, security: Security) -> None:
        self.security = security

    async def begin(self, account_id: UUID) -> Enrolment | None:
        """A new secret to add to an app; None when a second factor is already enrolled."""
        async with self.security.database.transaction() as session:
            account = await Staff(session).get(account_id)
            if account is None or account.totp_confirmed_at is not None:
                return None
            secret = new_secret()
            self.security.keep_totp_secret(account, secret)
            session.add(account)
            uri = provisioning_uri(secret, account=account.email, issuer=self.security.totp_issuer)
            return Enrolment(secret=secret, otpauth_uri=uri)

    async def confirm(self, account_id: UUID, code: str, client_address: str | None) -> bool:
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            account = await Staff(session).get(account_id)
            secret = None if account is None else self.security.totp_secret(account)
            if account is None or secret is None or account.totp_confirmed_at is not None:
                return False
            step = accepted_step(secret, code, last_step=None, now=now)
            if step is None:
                return False
            account.totp_confirmed_at, account.totp_last_step = now, step
            session.add(account)
            AuditLog(session).record(
                AuditAction.SECOND_FACTOR_ENROLLED,
                Outcome.SUCCEEDED,
                actor_id=account.id,
                actor_role=Role(account.role),
                subject_id=account.id,
                client_address=client_address,
                during="self_service",
            )
            return True
