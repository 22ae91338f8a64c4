"""Links that set a password: a staff member's invitation and anyone's password reset.

Opening a link shows a form and uses nothing up (mail scanners open links); submitting the form
uses it. Unknown, used and expired links count as failed attempts of the client address, so nobody
can try links by the thousand. Asking for a reset always gets the same answer; only an activated
account gets a mail, at most a few per window, and the earlier reset links of that account stop
working. A completed reset ends every session of the account.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import PasswordResetIssued
from loket.identity.domain.accounts import (
    AccountState,
    ActivationRefused,
    check_password,
    check_usable,
    issue_token,
    token_digest,
)
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.problems import ErrorCode, FormField
from loket.identity.domain.sessions import SessionEnd
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.login import find_account
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import Invitation, PasswordReset, StaffAccount
from loket.identity.persistence.sessions import Sessions
from loket.identity.persistence.staff import Staff
from loket.identity.security import Security, Throttled
from loket.identity.sessions import Account, SessionKeeper, kind_of, load_account


class LinkKind(StrEnum):
    INVITATION = "invitation"
    RESET = "reset"


ASK_FOR_NEW = {
    LinkKind.INVITATION: (
        "Vraag uw beheerder om een nieuwe uitnodiging.",
        "Ask your administrator for a new invitation.",
    ),
    LinkKind.RESET: ("Vraag een nieuwe aan met 'Wachtwoord vergeten'.", "Ask for a new one with 'Forgot password'."),
}
UNKNOWN_LINK = "Deze link is onbekend. / This link is not known."


@dataclass(frozen=True)
class LinkRefused:
    status: int  # 404 unknown, 410 used or expired, 422 a password that does not do
    message: str
    code: ErrorCode
    username: str | None = None
    field: FormField | None = None
    facts: dict[str, int] = dataclasses.field(default_factory=dict)  # the numbers in the message (`min_length`)


@dataclass(frozen=True)
class LinkOpen:
    username: str


@dataclass(frozen=True)
class PasswordSet:
    username: str


Link = Invitation | PasswordReset


def reset_url(portal_url: str, token: str) -> str:
    return f"{portal_url.rstrip('/')}/reset/{token}"


class PasswordLinks:
    def __init__(self, security: Security, keeper: SessionKeeper) -> None:
        self.security = security
        self.keeper = keeper

    async def open(self, kind: LinkKind, token: str, client_address: str | None) -> LinkOpen | LinkRefused | Throttled:
        async with self.security.database.transaction() as session:
            found = await self._usable(session, kind, token, client_address, submitted=False)
            if not isinstance(found, tuple):
                return found
            return LinkOpen(_username(found[1]))

    async def set_password(
        self, kind: LinkKind, token: str, password: str, repeated: str, client_address: str | None
    ) -> PasswordSet | LinkRefused | Throttled:
        async with self.security.database.transaction() as session:
            found = await self._usable(session, kind, token, client_address, submitted=True)
            if not isinstance(found, tuple):
                return found
            username = _username(found[1])
        try:
            check_password(password, repeated)
        except ActivationRefused as refused:
            return LinkRefused(422, str(refused), refused.code, username, refused.field, refused.facts)
        password_hash = await self.security.hash_password(password)
        now = datetime.now(UTC)
        async with self.security.database.transaction() as session:
            found = await self._usable(session, kind, token, client_address, submitted=True, lock=True)
            if not isinstance(found, tuple):
                return found
            link, account = found
            link.used_at = now
            account.password_hash = password_hash
            audit = AuditLog(session)
            if kind is LinkKind.INVITATION:
                account.state, account.activated_at = AccountState.ACTIVATED, now
                audit.record(
                    AuditAction.INVITATION_ACCEPTED,
                    Outcome.SUCCEEDED,
                    actor_id=account.id,
                    subject_id=account.id,
                    client_address=client_address,
                )
            else:
                ended = await self.keeper.end_all(session, account, SessionEnd.PASSWORD_RESET, now)
                await self.security.attempts(session).forget(account_key(AttemptKind.LOGIN, _username(account)))
                audit.record(
                    AuditAction.PASSWORD_RESET_COMPLETED,
                    Outcome.SUCCEEDED,
                    actor_id=account.id,
                    subject_id=account.id,
                    client_address=client_address,
                    sessions_ended=len(ended),
                )
            session.add_all([link, account])
            return PasswordSet(_username(account))

    async def _usable(
        self,
        session: AsyncSession,
        kind: LinkKind,
        token: str,
        client_address: str | None,
        *,
        submitted: bool,
        lock: bool = False,
    ) -> tuple[Link, Account] | LinkRefused | Throttled:
        """The link and its account if the link can be used now. A submitted form with a link that
        cannot be used is a failed attempt; opening one is not (mail scanners open links)."""
        now = datetime.now(UTC)
        digest = token_digest(token)
        attempts = self.security.attempts(session)
        wait = await attempts.retry_after(account_key=digest, client_address=client_address, now=now)
        if wait is not None:
            return Throttled(wait)
        lock = lock and not self.security.database.is_sqlite
        link: Link | None
        if kind is LinkKind.INVITATION:
            link = await Staff(session).invitation(digest, for_update=lock)
        else:
            link = await Sessions(session).reset(digest, for_update=lock)
        account = None if link is None else await self._account(session, link)
        refusal: LinkRefused | None = None
        if link is None or account is None:
            refusal = LinkRefused(404, UNKNOWN_LINK, ErrorCode.LINK_UNKNOWN)
        else:
            try:
                check_usable(expires_at=link.expires_at, used_at=link.used_at, now=now, ask_for_new=ASK_FOR_NEW[kind])
            except ActivationRefused as refused:
                refusal = LinkRefused(410, str(refused), refused.code)
        if refusal is None:
            assert link is not None and account is not None
            return link, account
        if submitted:
            await attempts.record(AttemptKind.LINK, account_key=digest, client_address=client_address, now=now)
            AuditLog(session).record(
                AuditAction.LINK_REFUSED,
                Outcome.FAILED,
                subject_id=None if account is None else account.id,
                client_address=client_address,
                link=kind.value,
                reason="unknown" if refusal.status == 404 else "used_or_expired",
            )
        return refusal

    async def _account(self, session: AsyncSession, link: Link) -> Account | None:
        if isinstance(link, Invitation):
            return await Staff(session).get(link.account_id)
        return await load_account(session, link.account_kind, link.account_id)

    async def request_reset(self, username: str, client_address: str | None) -> Throttled | None:
        """Mail a reset link if the account exists and is activated; the caller always answers the same."""
        now = datetime.now(UTC)
        key = account_key(AttemptKind.RESET_REQUEST, username)
        async with self.security.database.transaction() as session:
            attempts = self.security.attempts(session)
            wait = await attempts.retry_after(account_key=key, client_address=client_address, now=now)
            if wait is not None:
                AuditLog(session).record(
                    AuditAction.PASSWORD_RESET_REQUESTED, Outcome.THROTTLED, client_address=client_address
                )
                return Throttled(wait)
            await attempts.record(AttemptKind.RESET_REQUEST, account_key=key, client_address=client_address, now=now)
            account = await find_account(session, username)
            if account is None or account.state != AccountState.ACTIVATED:
                AuditLog(session).record(
                    AuditAction.PASSWORD_RESET_REQUESTED,
                    Outcome.FAILED,
                    subject_id=None if account is None else account.id,
                    client_address=client_address,
                    reason="unknown_account" if account is None else f"account_{account.state}",
                )
                return None
            await self._issue_reset(session, account, client_address, now)
        self.security.outbox.nudge()
        return None

    async def _issue_reset(
        self, session: AsyncSession, account: Account, client_address: str | None, now: datetime
    ) -> None:
        kind = kind_of(account)
        sessions = Sessions(session)
        await sessions.expire_resets(kind, account.id, now)
        issued = issue_token(now, timedelta(minutes=self.security.settings.reset_valid_minutes))
        sessions.add(
            PasswordReset(
                account_kind=kind,
                account_id=account.id,
                digest=issued.digest,
                created_at=now,
                expires_at=issued.expires_at,
            )
        )
        await self.security.outbox.put(
            session,
            PasswordResetIssued(
                account_id=account.id,
                username=_username(account),
                recipient=account.email,
                reset_url=reset_url(self.security.settings.portal_url, issued.token),
                expires_at=issued.expires_at,
                language=account.language,
            ),
        )
        AuditLog(session).record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            Outcome.SUCCEEDED,
            subject_id=account.id,
            client_address=client_address,
            account_kind=kind.value,
        )


def _username(account: Account) -> str:
    return account.email if isinstance(account, StaffAccount) else account.username
