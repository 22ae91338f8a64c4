"""Links that set a password: a staff member's invitation and anyone's password reset.

Opening a link shows a form and uses nothing up (mail scanners open links); submitting the form
uses it. Unknown, used and expired links count as failed attempts of the client address, so nobody
can try links by the thousand. A completed reset ends every session of the account. Asking for a
reset link is in `password_reset.py`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from loket.identity.application.context import Context, Throttled, Uow
from loket.identity.application.sessions import Account, SessionKeeper, keep_account, load_account, username_of
from loket.identity.domain.accounts import AccountState, ActivationRefused, check_usable, token_digest
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.passwords import check_password
from loket.identity.domain.problems import ErrorCode, FormField
from loket.identity.domain.sessions import SessionEnd
from loket.identity.domain.throttling import AttemptKind, account_key
from loket.identity.persistence.models import Invitation, PasswordReset
from loket.identity.persistence.sessions import Sessions
from loket.identity.persistence.staff import Staff


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


class PasswordLinks:
    """Submitting a form takes two units of work with the hashing of the new password between them:
    argon2id holds no transaction open, and the link is checked again in the second."""

    def __init__(self, context: Context, keeper: SessionKeeper) -> None:
        self.context = context
        self.keeper = keeper

    async def open(self, kind: LinkKind, token: str, client_address: str | None) -> LinkOpen | LinkRefused | Throttled:
        async with self.context.work() as uow:
            found = await self._usable(uow, kind, token, client_address, submitted=False)
            if not isinstance(found, tuple):
                return found
            return LinkOpen(username_of(found[1]))

    async def set_password(
        self, kind: LinkKind, token: str, password: str, repeated: str, client_address: str | None
    ) -> PasswordSet | LinkRefused | Throttled:
        async with self.context.work() as uow:
            found = await self._usable(uow, kind, token, client_address, submitted=True)
            if not isinstance(found, tuple):
                return found
            username, email = username_of(found[1]), found[1].email
        try:
            check_password(password, repeated, usernames=(username, email))
        except ActivationRefused as refused:
            return LinkRefused(422, str(refused), refused.code, username, refused.field, refused.facts)
        password_hash = await self.context.hash_password(password)
        async with self.context.work() as uow:
            now = uow.now
            found = await self._usable(uow, kind, token, client_address, submitted=True, lock=True)
            if not isinstance(found, tuple):
                return found
            link, account = found
            link.used_at = now
            account.password_hash = password_hash
            audit = uow.audit
            if kind is LinkKind.INVITATION:
                account.state, account.activated_at = AccountState.ACTIVATED, now
                audit.own_step(AuditAction.INVITATION_ACCEPTED, account.id, client_address)
            else:
                ended = await self.keeper.end_all(uow, account, SessionEnd.PASSWORD_RESET)
                key = account_key(AttemptKind.LOGIN, username_of(account))
                await self.context.attempts(uow).forget(key, everywhere=True)  # guessed at the old password
                audit.own_step(
                    AuditAction.PASSWORD_RESET_COMPLETED, account.id, client_address, sessions_ended=len(ended)
                )
            _keep_link(uow, link)
            keep_account(uow, account)
            return PasswordSet(username_of(account))

    async def _usable(
        self,
        uow: Uow,
        kind: LinkKind,
        token: str,
        client_address: str | None,
        *,
        submitted: bool,
        lock: bool = False,
    ) -> tuple[Link, Account] | LinkRefused | Throttled:
        """The link and its account if the link can be used now. A submitted form with a link that
        cannot be used is a failed attempt; opening one is not (mail scanners open links)."""
        now = uow.now
        digest = token_digest(token)
        attempts = self.context.attempts(uow)
        wait = await attempts.retry_after(account_key=digest, client_address=client_address, now=now)
        if wait is not None:
            return Throttled(wait)
        link: Link | None
        if kind is LinkKind.INVITATION:
            link = await Staff(uow.session).invitation(digest, for_update=lock)
        else:
            link = await Sessions(uow.session).reset(digest, for_update=lock)
        account = None if link is None else await self._account(uow, link)
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
            uow.audit.record(
                AuditAction.LINK_REFUSED,
                Outcome.FAILED,
                subject_id=None if account is None else account.id,
                client_address=client_address,
                link=kind.value,
                reason="unknown" if refusal.status == 404 else "used_or_expired",
            )
        return refusal

    async def _account(self, uow: Uow, link: Link) -> Account | None:
        if isinstance(link, Invitation):
            return await Staff(uow.session).get(link.account_id)
        return await load_account(uow, link.account_kind, link.account_id)


def _keep_link(uow: Uow, link: Link) -> None:
    if isinstance(link, Invitation):
        Staff(uow.session).add(link)
    else:
        Sessions(uow.session).add(link)
