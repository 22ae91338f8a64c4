"""The page a parent reaches from the activation mail.

A GET only shows the form and consumes nothing (mail scanners open links); the POST that sets the
password uses the link up. The pages send `Referrer-Policy: no-referrer` so the token in the URL
never leaks to another site.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from loket.contracts.runtime.database import Database
from loket.identity.domain.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountState,
    ActivationRefused,
    check_password,
    check_usable,
    token_digest,
)
from loket.identity.domain.audit import AuditAction, Outcome
from loket.identity.domain.throttling import AttemptKind
from loket.identity.http.caller import client_address, too_many
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.repository import Accounts
from loket.identity.security import Security, Throttled

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def activation_router(database: Database, security: Security) -> APIRouter:
    router = APIRouter(tags=["activation"])

    def page(request: Request, status: int, **context: object) -> HTMLResponse:
        response = templates.TemplateResponse(
            request, "activate.html", {"min_length": MIN_PASSWORD_LENGTH, **context}, status_code=status
        )
        response.headers.update(PRIVATE_HEADERS)
        return response

    @router.get("/activate/{token}", response_class=HTMLResponse)
    async def show_form(request: Request, token: str) -> HTMLResponse:
        async with database.transaction() as session:
            accounts = Accounts(session)
            stored = await accounts.token(token_digest(token))
            if stored is None:
                return page(request, 404, refused="Deze link is onbekend. / This link is not known.")
            try:
                check_usable(expires_at=stored.expires_at, used_at=stored.used_at, now=datetime.now(UTC))
            except ActivationRefused as refused:
                return page(request, 410, refused=str(refused))
            account = await accounts.get(stored.account_id)
            assert account is not None
            return page(request, 200, username=account.username)

    @router.post("/activate/{token}", response_class=HTMLResponse)
    async def activate(
        request: Request,
        token: str,
        password: Annotated[str, Form()],
        password_repeat: Annotated[str, Form()],
    ) -> HTMLResponse:
        address, now = client_address(request), datetime.now(UTC)
        digest = token_digest(token)
        async with database.transaction() as session:
            attempts = security.attempts(session)
            wait = await attempts.retry_after(account_key=digest, client_address=address, now=now)
            if wait is not None:
                throttled = too_many(Throttled(wait))
                response = page(request, throttled.status_code, refused=throttled.detail)
                response.headers["Retry-After"] = str(wait)
                return response
            accounts = Accounts(session)
            stored = await accounts.token(digest, for_update=not database.is_sqlite)
            account = None if stored is None else await accounts.get(stored.account_id)
            try:
                if stored is None or account is None:
                    refusal = page(request, 404, refused="Deze link is onbekend. / This link is not known.")
                else:
                    check_usable(expires_at=stored.expires_at, used_at=stored.used_at, now=now)
                    refusal = None
            except ActivationRefused as refused:
                refusal = page(request, 410, refused=str(refused))
            if refusal is not None:
                await attempts.record(AttemptKind.LINK, account_key=digest, client_address=address, now=now)
                AuditLog(session).record(
                    AuditAction.LINK_REFUSED,
                    Outcome.FAILED,
                    subject_id=None if account is None else account.id,
                    client_address=address,
                    link="activation",
                    reason="unknown" if stored is None else "used_or_expired",
                )
                return refusal
            assert stored is not None and account is not None
            try:
                check_password(password, password_repeat)
            except ActivationRefused as refused:
                return page(request, 422, username=account.username, problem=str(refused))
            stored.used_at = now
            account.password_hash = await security.hash_password(password)
            account.state = AccountState.ACTIVATED
            account.activated_at = now
            accounts.add(account, stored)
            AuditLog(session).record(
                AuditAction.ACTIVATION,
                Outcome.SUCCEEDED,
                actor_id=account.id,
                subject_id=account.id,
                client_address=address,
            )
            return page(request, 200, activated=True, username=account.username)

    return router
