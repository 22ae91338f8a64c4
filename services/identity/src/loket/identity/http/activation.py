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
from pwdlib import PasswordHash

from loket.contracts.runtime.database import Database
from loket.identity.domain.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountState,
    ActivationRefused,
    check_password,
    check_usable,
    token_digest,
)
from loket.identity.persistence.repository import Accounts

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
password_hash = PasswordHash.recommended()  # argon2id


def activation_router(database: Database) -> APIRouter:
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
        async with database.transaction() as session:
            accounts = Accounts(session)
            stored = await accounts.token(token_digest(token), for_update=not database.is_sqlite)
            if stored is None:
                return page(request, 404, refused="Deze link is onbekend. / This link is not known.")
            account = await accounts.get(stored.account_id)
            assert account is not None
            now = datetime.now(UTC)
            try:
                check_usable(expires_at=stored.expires_at, used_at=stored.used_at, now=now)
            except ActivationRefused as refused:
                return page(request, 410, refused=str(refused))
            try:
                check_password(password, password_repeat)
            except ActivationRefused as refused:
                return page(request, 422, username=account.username, problem=str(refused))
            stored.used_at = now
            account.password_hash = password_hash.hash(password)
            account.state = AccountState.ACTIVATED
            account.activated_at = now
            accounts.add(account, stored)
            return page(request, 200, activated=True, username=account.username)

    return router
