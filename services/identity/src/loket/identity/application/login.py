"""Logging in, for staff (by e-mail address) and parents (by ELK number) alike, and enrolling TOTP.

An unknown account, an account without a password yet and a wrong password get the same answer, in
the same time: the password is always checked against an argon2id hash, a dummy one if need be.
Failures are counted per account and per client address; once either has used up its window, every
try is answered 429 without checking anything. A right password is rehashed when the hash parameters
have changed. Staff whose role requires a second factor (`LOKET_IDENTITY_TOTP_REQUIRED_ROLES`), and
staff who enrolled one, also give a TOTP code; a required second factor not enrolled yet is enrolled
in the login itself: the answer shows the secret, and the next try confirms it with a code. Enrolling
makes a set of recovery codes (shown once, in the answer that starts the session); an enrolled staff
member who lost the phone gives one of them in place of a code, and it is used up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.tokens import Role
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.problems import ErrorCode
from loket.identity.domain.recovery_codes import hashed, lookup_of, matches, new_set
from loket.identity.domain.second_factor import accepted_step, new_secret, provisioning_uri
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.recovery_codes import RecoveryCodes
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
    """A TOTP code (or a recovery code) is needed; `refusal` says what was wrong with the one given."""

    wrong_code: bool
    refusal: ErrorCode | None = None


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
        self,
        username: str,
        password: str,
        totp_code: str | None,
        client_address: str | None,
        recovery_code: str | None = None,
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
            recovery_codes: list[str] = []
            by_recovery_code = False
            if isinstance(account, StaffAccount) and self._needs_code(account):
                enrolling = account.totp_confirmed_at is None
                by_recovery_code = bool(recovery_code) and not enrolling
                asked: SecondFactorRequired | SecondFactorEnrolment | None
                if by_recovery_code:
                    assert recovery_code is not None
                    asked = await self._recovery_code(session, account, recovery_code, key, client_address, now)
                else:
                    asked = await self._second_factor(session, account, totp_code, key, client_address, now)
                if asked is not None:
                    return asked
                if enrolling:
                    recovery_codes = await issue_recovery_codes(
                        self.security, session, account, client_address, now, during="login"
                    )
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
                **({"recovery_code": True} if by_recovery_code else {}),
            )
            return replace(started, recovery_codes=tuple(recovery_codes)) if recovery_codes else started

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

    async def _recovery_code(
        self,
        session: AsyncSession,
        account: StaffAccount,
        typed: str,
        key: str,
        client_address: str | None,
        now: datetime,
    ) -> SecondFactorRequired | None:
        """None when `typed` is an unused recovery code of the account (now used up)."""
        lookup = lookup_of(typed)
        found = None if lookup is None else await RecoveryCodes(session).by_lookup(account.id, lookup, for_update=True)
        valid = await asyncio.to_thread(matches, typed, None if found is None else found.digest)
        if found is not None and valid and found.used_at is None:
            found.used_at = now
            session.add(found)
            await session.flush()
            AuditLog(session).record(
                AuditAction.RECOVERY_CODE_USED,
                Outcome.SUCCEEDED,
                actor_id=account.id,
                actor_role=account.role,
                subject_id=account.id,
                client_address=client_address,
                left=await RecoveryCodes(session).unused(account.id),
            )
            return None
        used = found is not None and valid
        await self.security.attempts(session).record(
            AttemptKind.LOGIN, account_key=key, client_address=client_address, now=now
        )
        AuditLog(session).record(
            AuditAction.LOGIN,
            Outcome.FAILED,
            subject_id=account.id,
            client_address=client_address,
            reason="used_recovery_code" if used else "wrong_recovery_code",
        )
        refusal = ErrorCode.RECOVERY_CODE_USED if used else ErrorCode.RECOVERY_CODE_WRONG
        return SecondFactorRequired(wrong_code=True, refusal=refusal)

    def _ask(
        self, account: StaffAccount, secret: str, enrolling: bool, *, wrong_code: bool
    ) -> SecondFactorRequired | SecondFactorEnrolment:
        if not enrolling:
            return SecondFactorRequired(wrong_code=wrong_code)
        uri = provisioning_uri(secret, account=account.email, issuer=self.security.totp_issuer)
        return SecondFactorEnrolment(secret=secret, otpauth_uri=uri, wrong_code=wrong_code)


async def issue_recovery_codes(
    security: Security,
    session: AsyncSession,
    account: StaffAccount,
    client_address: str | None,
    now: datetime,
    *,
    during: str,
) -> list[str]:
    """A new set of recovery codes for `account` (the old set stops working); the codes in the clear, to
    show once. Only their hashes are kept."""
    codes = new_set()
    digests = await asyncio.to_thread(lambda: [hashed(code) for code in codes])
    await RecoveryCodes(session).replace(account.id, zip((code.lookup for code in codes), digests, strict=True), now)
    AuditLog(session).record(
        AuditAction.RECOVERY_CODES_ISSUED,
        Outcome.SUCCEEDED,
        actor_id=account.id,
        actor_role=account.role,
        subject_id=account.id,
        client_address=client_address,
        count=len(codes),
        during=during,
    )
    return [code.code for code in codes]


@dataclass(frozen=True)
class SecondFactorState:
    enrolled: bool
    recovery_codes_left: int


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

    async def confirm(self, account_id: UUID, code: str, client_address: str | None) -> list[str] | None:
        """The new recovery codes once the code confirms the enrolment; None when it does not."""
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            account = await Staff(session).get(account_id)
            secret = None if account is None else self.security.totp_secret(account)
            if account is None or secret is None or account.totp_confirmed_at is not None:
                return None
            step = accepted_step(secret, code, last_step=None, now=now)
            if step is None:
                return None
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
            return await issue_recovery_codes(
                self.security, session, account, client_address, now, during="self_service"
            )

    async def state(self, account_id: UUID) -> SecondFactorState | None:
        async with self.security.database.transaction() as session:
            account = await Staff(session).get(account_id)
            if account is None:
                return None
            enrolled = account.totp_confirmed_at is not None
            left = await RecoveryCodes(session).unused(account.id) if enrolled else 0
            return SecondFactorState(enrolled=enrolled, recovery_codes_left=left)

    async def new_recovery_codes(self, account_id: UUID, client_address: str | None) -> list[str] | None:
        """A new set for an account with a second factor (the old set stops working); None without one."""
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            account = await Staff(session).get(account_id, for_update=not self.security.database.is_sqlite)
            if account is None or account.totp_confirmed_at is None or account.state != AccountState.ACTIVATED:
                return None
            return await issue_recovery_codes(
                self.security, session, account, client_address, now, during="self_service"
            )
