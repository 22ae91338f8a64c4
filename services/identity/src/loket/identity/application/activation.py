"""A parent activates the account from the mailed link.

Opening the link shows the form and uses nothing up (mail scanners open links). Submitting it asks two
questions only the family knows: the child's school, picked by its name from the list of schools, and
the child's birth date. A wrong answer counts against the link (`LOKET_IDENTITY_ACTIVATION_ATTEMPTS`,
default 5; the parent is not told which of the two was wrong); at the limit the link is locked and
the school sees a locked dot: it asks again, which mails a new link. Right answers and a good password
activate the account, use the link up, and log the parent in once: a session, as `POST /login` starts.
Unknown, used, expired and locked links count as failed attempts of the client address, and wrong
answers do too, so nobody can try links or answers by the thousand.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from loket.identity.application.context import Context, Throttled, Uow
from loket.identity.application.parent_logins import ParentLogins
from loket.identity.application.sessions import SessionKeeper, Started
from loket.identity.domain.accounts import (
    AccountState,
    ActivationRefused,
    Answers,
    answers_right,
    check_usable,
    link_expired,
    link_locked,
    read_birth_date,
    token_digest,
    wrong_answers_message,
)
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.passwords import check_password
from loket.identity.domain.problems import ErrorCode, FormField
from loket.identity.domain.throttling import AttemptKind
from loket.identity.persistence.models import ActivationToken, ParentAccount
from loket.identity.persistence.repository import Accounts

UNKNOWN_LINK = "Deze link is onbekend. / This link is not known."
CHOOSE_THE_SCHOOL = "Kies de school van uw kind. / Choose your child's school."


@dataclass(frozen=True)
class SchoolChoice:
    brin: str
    name: str | None


@dataclass(frozen=True)
class ActivationForm:
    """What the page asks: the username it will be, the schools to pick from, and the tries left."""

    username: str
    schools: tuple[SchoolChoice, ...]
    attempts_left: int


@dataclass(frozen=True)
class ActivationProblem:
    """404 an unknown link; 410 a used, expired or locked one; 422 an answer or password that does not do
    (with the form to try again). `code` and `field` name it for a portal (`domain/problems.py`)."""

    status: int
    message: str
    code: ErrorCode
    form: ActivationForm | None = None
    field: FormField | None = None
    facts: dict[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, status: int, refused: ActivationRefused, form: ActivationForm | None = None) -> ActivationProblem:
        return cls(status, str(refused), refused.code, form, refused.field, refused.facts)


@dataclass(frozen=True)
class Activated:
    username: str
    started: Started


class Activation:
    """Two units of work with the hashing of the new password between them: argon2id holds no
    transaction open, and the link is checked again in the second."""

    def __init__(self, context: Context, keeper: SessionKeeper, parent_logins: ParentLogins) -> None:
        self.context = context
        self.keeper = keeper
        self.parent_logins = parent_logins

    async def open(self, token: str) -> ActivationForm | ActivationProblem:
        async with self.context.work() as uow:
            found = await self._usable(uow, token, lock=False)
            if isinstance(found, ActivationProblem):
                return found
            return await self._form(uow, *found)

    async def activate(
        self, token: str, school: str, birth_date: str, password: str, repeated: str, client_address: str | None
    ) -> Activated | ActivationProblem | Throttled:
        digest = token_digest(token)
        async with self.context.work() as uow:
            attempts = self.context.attempts(uow)
            wait = await attempts.retry_after(account_key=digest, client_address=client_address, now=uow.now)
            if wait is not None:
                return Throttled(wait)
            found = await self._usable(uow, token, lock=True)
            if isinstance(found, ActivationProblem):
                await self._refused_link(uow, found, digest, client_address)
                return found
            stored, account = found
            form = await self._form(uow, stored, account)
            try:
                if not school.strip():
                    raise ActivationRefused(CHOOSE_THE_SCHOOL, ErrorCode.SCHOOL_MISSING, FormField.SCHOOL)
                answers = Answers(school_brin=school, birth_date=read_birth_date(birth_date))
            except ActivationRefused as unreadable:
                return ActivationProblem.of(422, unreadable, form)
            if not answers_right(school_brin=account.school_brin, birth_date=account.birth_date, given=answers):
                return await self._wrong_answers(uow, stored, account, client_address)
            try:
                check_password(password, repeated, usernames=(account.username, account.email))
            except ActivationRefused as refused:
                return ActivationProblem.of(422, refused, form)

        password_hash = await self.context.hash_password(password)

        async with self.context.work() as uow:
            found = await self._usable(uow, token, lock=True)  # used or locked meanwhile, in another tab?
            if isinstance(found, ActivationProblem):
                return found
            stored, account = found
            stored.used_at = account.activated_at = uow.now
            account.password_hash = password_hash
            account.state = AccountState.ACTIVATED
            account.birth_date = None  # needed only to check the answer
            Accounts(uow.session).add(account, stored)
            await self.parent_logins.announce(uow, account, locked=False)
            uow.audit.own_step(AuditAction.ACTIVATION, account.id, client_address)
            started = await self.keeper.log_in(uow, account, client_address, during="activation")
        return Activated(account.username, started)

    async def _usable(
        self, uow: Uow, token: str, *, lock: bool
    ) -> tuple[ActivationToken, ParentAccount] | ActivationProblem:
        accounts = Accounts(uow.session)
        stored = await accounts.token(token_digest(token))
        account = None if stored is None else await accounts.get(stored.account_id, for_update=lock)
        if lock and stored is not None:  # the account first, the link second: the order a new link locks them
            stored = await accounts.token(token_digest(token), for_update=True)
        if stored is None or account is None:
            return ActivationProblem(404, UNKNOWN_LINK, ErrorCode.LINK_UNKNOWN)
        try:
            check_usable(expires_at=stored.expires_at, used_at=stored.used_at, locked_at=stored.locked_at, now=uow.now)
            if account.school_brin is None or account.birth_date is None:  # a link from before the questions
                raise ActivationRefused(link_expired(), ErrorCode.LINK_EXPIRED)
        except ActivationRefused as refused:
            return ActivationProblem.of(410, refused)
        return stored, account

    async def _form(self, uow: Uow, stored: ActivationToken, account: ParentAccount) -> ActivationForm:
        schools = tuple(SchoolChoice(school.brin, school.name) for school in await Accounts(uow.session).schools())
        return ActivationForm(
            username=account.username,
            schools=schools,
            attempts_left=max(0, self.context.settings.activation_attempts - stored.wrong_answers),
        )

    async def _wrong_answers(
        self, uow: Uow, stored: ActivationToken, account: ParentAccount, client_address: str | None
    ) -> ActivationProblem:
        """Count a wrong school or birth date against the link; at the limit, lock it and tell the school."""
        stored.wrong_answers += 1
        Accounts(uow.session).add(stored)
        await self.context.attempts(uow).record(
            AttemptKind.WRONG_ANSWER, account_key=None, client_address=client_address, now=uow.now
        )
        audit = uow.audit
        left = self.context.settings.activation_attempts - stored.wrong_answers
        audit.record(
            AuditAction.ACTIVATION,
            Outcome.FAILED,
            subject_id=account.id,
            client_address=client_address,
            reason="wrong_answers",
            attempts_left=max(0, left),
        )
        if left > 0:
            form = await self._form(uow, stored, account)
            return ActivationProblem(422, wrong_answers_message(left), ErrorCode.WRONG_ANSWERS, form)
        stored.locked_at = uow.now
        audit.record(
            AuditAction.ACTIVATION_LOCKED, Outcome.REFUSED, subject_id=account.id, client_address=client_address
        )
        await self.parent_logins.announce(uow, account, locked=True)
        return ActivationProblem(410, link_locked(), ErrorCode.LINK_LOCKED)

    async def _refused_link(
        self, uow: Uow, problem: ActivationProblem, digest: str, client_address: str | None
    ) -> None:
        await self.context.attempts(uow).record(
            AttemptKind.LINK, account_key=digest, client_address=client_address, now=uow.now
        )
        stored = await Accounts(uow.session).token(digest)
        uow.audit.record(
            AuditAction.LINK_REFUSED,
            Outcome.FAILED,
            subject_id=None if stored is None else stored.account_id,
            client_address=client_address,
            link="activation",
            reason="unknown" if problem.status == 404 else "used_expired_or_locked",
        )
