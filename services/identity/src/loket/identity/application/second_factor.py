"""A staff member's own second factor: enrolling TOTP while logged in (roles that do not require it may
enrol), its state, and new sets of recovery codes. A role that requires TOTP enrols in the login itself
(`login.py`), which also makes the first set of recovery codes (`issue_recovery_codes`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from loket.contracts.errors import Conflict, Invalid
from loket.contracts.tokens import InvalidToken, Role
from loket.identity.application.access import NO_ACCOUNT
from loket.identity.application.context import Context, Uow
from loket.identity.domain.accounts import AccountState
from loket.identity.domain.audit import AuditAction
from loket.identity.domain.recovery_codes import hashed, new_set
from loket.identity.domain.second_factor import accepted_step, new_secret, provisioning_uri
from loket.identity.persistence.models import StaffAccount
from loket.identity.persistence.recovery_codes import RecoveryCodes
from loket.identity.persistence.staff import Staff


async def issue_recovery_codes(
    uow: Uow, account: StaffAccount, client_address: str | None, *, during: str
) -> list[str]:
    """A new set of recovery codes for `account` (the old set stops working); the codes in the clear, to
    show once. Only their hashes are kept."""
    codes = new_set()
    digests = await asyncio.to_thread(lambda: [hashed(code) for code in codes])
    await RecoveryCodes(uow.session).replace(
        account.id, zip((code.lookup for code in codes), digests, strict=True), uow.now
    )
    uow.audit.own_step(
        AuditAction.RECOVERY_CODES_ISSUED,
        account.id,
        client_address,
        role=account.role,
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

    def __init__(self, context: Context) -> None:
        self.context = context

    async def begin(self, account_id: UUID) -> Enrolment:
        """A new secret to add to an app; refused when a second factor is already enrolled."""
        async with self.context.work() as uow:
            staff = Staff(uow.session)
            account = await staff.get(account_id)
            if account is None:
                raise InvalidToken(NO_ACCOUNT)
            if account.totp_confirmed_at is not None:
                raise Conflict("a second factor is already enrolled")
            secret = new_secret()
            self.context.totp.keep(account, secret)
            staff.add(account)
            uri = provisioning_uri(secret, account=account.email, issuer=self.context.totp_issuer)
            return Enrolment(secret=secret, otpauth_uri=uri)

    async def confirm(self, account_id: UUID, code: str, client_address: str | None) -> list[str]:
        """The new recovery codes once the code confirms the enrolment."""
        async with self.context.work() as uow:
            staff = Staff(uow.session)
            account = await staff.get(account_id)
            if account is None:
                raise InvalidToken(NO_ACCOUNT)
            secret = self.context.totp.open(account)
            step = None if secret is None else accepted_step(secret, code, last_step=None, now=uow.now)
            if account.totp_confirmed_at is not None or step is None:
                raise Invalid("code", "the code is not right, or nothing to confirm")
            account.totp_confirmed_at, account.totp_last_step = uow.now, step
            staff.add(account)
            uow.audit.own_step(
                AuditAction.SECOND_FACTOR_ENROLLED,
                account.id,
                client_address,
                role=Role(account.role),
                during="self_service",
            )
            return await issue_recovery_codes(uow, account, client_address, during="self_service")

    async def state(self, account_id: UUID) -> SecondFactorState:
        async with self.context.work() as uow:
            account = await Staff(uow.session).get(account_id)
            if account is None:
                raise InvalidToken(NO_ACCOUNT)
            enrolled = account.totp_confirmed_at is not None
            left = await RecoveryCodes(uow.session).unused(account.id) if enrolled else 0
            return SecondFactorState(enrolled=enrolled, recovery_codes_left=left)

    async def new_recovery_codes(self, account_id: UUID, client_address: str | None) -> list[str]:
        """A new set for an account with a second factor (the old set stops working)."""
        async with self.context.work() as uow:
            account = await Staff(uow.session).get(account_id, for_update=True)
            if account is None:
                raise InvalidToken(NO_ACCOUNT)
            if account.totp_confirmed_at is None or account.state != AccountState.ACTIVATED:
                raise Conflict("enrol a second factor first")
            return await issue_recovery_codes(uow, account, client_address, during="self_service")
