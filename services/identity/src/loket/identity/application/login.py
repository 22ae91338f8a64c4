"""Logging in, for staff (by e-mail address) and parents (by ELK number) alike, and enrolling TOTP.

An unknown account, an account without a password yet and a wrong password get the same answer, in
the same time: the password is always checked against an argon2id hash, a dummy one if need be.
Failures are counted per account and per client address, and slow down with a growing delay rather
than lock (`domain/throttling.py`): during the delay a try is answered 429 without checking anything,
and an address that has not failed for the account is not slowed by the account's failures elsewhere,
so guessing a parent's ELK number never locks the parent out. A right password forgets the account's
failures from its address, and is rehashed when the hash parameters have changed. Staff whose role
requires a second factor (`LOKET_IDENTITY_TOTP_REQUIRED_ROLES`), and staff who enrolled one, also
give a TOTP code; a required second factor not enrolled yet is enrolled in the login itself: the
answer shows the secret, and the next try confirms it with a code. Enrolling makes a set of recovery
codes (shown once, in the answer that starts the session); an enrolled staff member who lost the phone
gives one of them in place of a code, and it is used up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from uuid import UUID

from loket.identity.application.context import Context, Throttled, Uow
from loket.identity.application.second_factor import issue_recovery_codes
from loket.identity.application.sessions import Account, SessionKeeper, Started, keep_account
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.problems import ErrorCode
from loket.identity.domain.recovery_codes import lookup_of, matches
from loket.identity.domain.second_factor import accepted_step, new_secret, provisioning_uri
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.recovery_codes import RecoveryCodes
from loket.identity.persistence.repository import Accounts
from loket.identity.persistence.staff import Staff


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


async def find_account(uow: Uow, typed_username: str) -> Account | None:
    """Staff log in with their e-mail address, parents with their child's ELK number."""
    typed = typed_username.strip()
    if "@" in typed:
        return await Staff(uow.session).by_email(typed.lower())
    return await Accounts(uow.session).by_username(typed.upper())


class Login:
    """Two units of work with the password check between them: argon2id holds no transaction open."""

    def __init__(self, context: Context, keeper: SessionKeeper) -> None:
        self.context = context
        self.keeper = keeper

    async def login(
        self,
        username: str,
        password: str,
        totp_code: str | None,
        client_address: str | None,
        recovery_code: str | None = None,
    ) -> LoginResult:
        key = account_key(AttemptKind.LOGIN, username)
        async with self.context.work() as uow:
            now = uow.now
            wait = await self.context.attempts(uow).retry_after(account_key=key, client_address=client_address, now=now)
            if wait is not None:
                uow.audit.record(AuditAction.LOGIN, Outcome.THROTTLED, client_address=client_address, retry_after=wait)
                return Throttled(wait)
            found = await find_account(uow, username)
            account_id, stored_hash = (found.id, found.password_hash) if found is not None else (None, None)

        verdict = await self.context.verify_password(password, stored_hash)

        async with self.context.work() as uow:
            audit = uow.audit
            account = await self._reload(uow, found, account_id)
            if account is None or not verdict.valid or account.state == AccountState.PENDING:
                await self.context.attempts(uow).record(
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
                keep_account(uow, account)
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
                    asked = await self._recovery_code(uow, account, recovery_code, key, client_address)
                else:
                    asked = await self._second_factor(uow, account, totp_code, key, client_address)
                if asked is not None:
                    return asked
                if enrolling:
                    recovery_codes = await issue_recovery_codes(uow, account, client_address, during="login")
            await self.context.attempts(uow).forget(key, client_address)
            started = await self.keeper.log_in(
                uow,
                account,
                client_address,
                second_factor=isinstance(account, StaffAccount) and account.totp_confirmed_at is not None,
                **({"recovery_code": True} if by_recovery_code else {}),
            )
            return replace(started, recovery_codes=tuple(recovery_codes)) if recovery_codes else started

    async def _reload(self, uow: Uow, found: Account | None, account_id: UUID | None) -> Account | None:
        if found is None or account_id is None:
            return None
        if isinstance(found, StaffAccount):
            return await Staff(uow.session).get(account_id)
        return await Accounts(uow.session).get(account_id)

    def _needs_code(self, account: StaffAccount) -> bool:
        return account.totp_confirmed_at is not None or account.role in self.context.settings.totp_required_roles

    async def _second_factor(
        self, uow: Uow, account: StaffAccount, code: str | None, key: str, client_address: str | None
    ) -> SecondFactorRequired | SecondFactorEnrolment | None:
        """None when the code is right; otherwise what the caller must do next."""
        now = uow.now
        staff = Staff(uow.session)
        enrolling = account.totp_confirmed_at is None
        if enrolling and account.totp_secret is None:
            secret = new_secret()
            self.context.totp.keep(account, secret)
            staff.add(account)
        else:
            opened = self.context.totp.open(account)
            assert opened is not None
            secret = opened
        if code is None:
            return self._ask(account, secret, enrolling, wrong_code=False)
        step = accepted_step(secret, code, last_step=account.totp_last_step, now=now)
        if step is None:
            await self._failed(uow, account, key, client_address, reason="wrong_second_factor")
            return self._ask(account, secret, enrolling, wrong_code=True)
        account.totp_last_step = step
        self.context.totp.seal_if_plain(account, secret)
        if enrolling:
            account.totp_confirmed_at = now
            uow.audit.own_step(
                AuditAction.SECOND_FACTOR_ENROLLED, account.id, client_address, role=account.role, during="login"
            )
        staff.add(account)
        return None

    async def _recovery_code(
        self, uow: Uow, account: StaffAccount, typed: str, key: str, client_address: str | None
    ) -> SecondFactorRequired | None:
        """None when `typed` is an unused recovery code of the account (now used up)."""
        codes = RecoveryCodes(uow.session)
        lookup = lookup_of(typed)
        found = None if lookup is None else await codes.by_lookup(account.id, lookup, for_update=True)
        valid = await asyncio.to_thread(matches, typed, None if found is None else found.digest)
        if found is not None and valid and found.used_at is None:
            await codes.use(found, uow.now)
            left = await codes.unused(account.id)
            uow.audit.own_step(AuditAction.RECOVERY_CODE_USED, account.id, client_address, role=account.role, left=left)
            return None
        used = found is not None and valid
        await self._failed(
            uow, account, key, client_address, reason="used_recovery_code" if used else "wrong_recovery_code"
        )
        refusal = ErrorCode.RECOVERY_CODE_USED if used else ErrorCode.RECOVERY_CODE_WRONG
        return SecondFactorRequired(wrong_code=True, refusal=refusal)

    def _ask(
        self, account: StaffAccount, secret: str, enrolling: bool, *, wrong_code: bool
    ) -> SecondFactorRequired | SecondFactorEnrolment:
        if not enrolling:
            return SecondFactorRequired(wrong_code=wrong_code)
        uri = provisioning_uri(secret, account=account.email, issuer=self.context.totp_issuer)
        return SecondFactorEnrolment(secret=secret, otpauth_uri=uri, wrong_code=wrong_code)

    async def _failed(self, uow: Uow, account: StaffAccount, key: str, client_address: str | None, reason: str) -> None:
        """A wrong second factor counts as a failed login."""
        await self.context.attempts(uow).record(
            AttemptKind.LOGIN, account_key=key, client_address=client_address, now=uow.now
        )
        uow.audit.record(
            AuditAction.LOGIN, Outcome.FAILED, subject_id=account.id, client_address=client_address, reason=reason
        )
