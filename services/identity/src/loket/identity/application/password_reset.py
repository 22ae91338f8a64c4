"""Forgotten password: asking for a reset mail always gets the same answer. Only an activated account
gets a mail, at most a few per window, and the earlier reset links of that account stop working. The
link is used in `links.py`."""

from __future__ import annotations

from datetime import timedelta

from loket.contracts.events import PasswordResetIssued
from loket.identity.application.context import Context, Throttled, Uow
from loket.identity.application.login import find_account
from loket.identity.application.sessions import Account, kind_of, username_of
from loket.identity.domain.accounts import AccountState, issue_token
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.persistence.models import PasswordReset
from loket.identity.persistence.sessions import Sessions


class ResetRequests:
    def __init__(self, context: Context) -> None:
        self.context = context

    async def request(self, username: str, client_address: str | None) -> Throttled | None:
        """Mail a reset link if the account exists and is activated; the caller always answers the same."""
        key = account_key(AttemptKind.RESET_REQUEST, username)
        async with self.context.work() as uow:
            now = uow.now
            attempts = self.context.attempts(uow)
            wait = await attempts.retry_after(account_key=key, client_address=client_address, now=now)
            if wait is not None:
                uow.audit.record(AuditAction.PASSWORD_RESET_REQUESTED, Outcome.THROTTLED, client_address=client_address)
                return Throttled(wait)
            await attempts.record(AttemptKind.RESET_REQUEST, account_key=key, client_address=client_address, now=now)
            account = await find_account(uow, username)
            if account is None or account.state != AccountState.ACTIVATED:
                uow.audit.record(
                    AuditAction.PASSWORD_RESET_REQUESTED,
                    Outcome.FAILED,
                    subject_id=None if account is None else account.id,
                    client_address=client_address,
                    reason="unknown_account" if account is None else f"account_{account.state}",
                )
                return None
            await self._issue(uow, account, client_address)
        return None

    async def _issue(self, uow: Uow, account: Account, client_address: str | None) -> None:
        now = uow.now
        kind = kind_of(account)
        sessions = Sessions(uow.session)
        await sessions.expire_resets(kind, account.id, now)
        issued = issue_token(now, timedelta(minutes=self.context.settings.reset_valid_minutes))
        sessions.add(
            PasswordReset(
                account_kind=kind,
                account_id=account.id,
                digest=issued.digest,
                created_at=now,
                expires_at=issued.expires_at,
            )
        )
        await uow.emit(
            PasswordResetIssued(
                account_id=account.id,
                username=username_of(account),
                recipient=account.email,
                sealed_reset_url=self.context.links.reset(account.id, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            )
        )
        uow.audit.record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            Outcome.SUCCEEDED,
            subject_id=account.id,
            client_address=client_address,
            account_kind=kind.value,
        )
