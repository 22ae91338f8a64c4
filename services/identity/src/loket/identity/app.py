"""Wires identity: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from datetime import timedelta

from fastapi import FastAPI

from loket.contracts.runtime.service import Runtime
from loket.identity import handlers
from loket.identity.http.activation import activation_router
from loket.identity.http.keys import keys_router
from loket.identity.persistence.models import metadata
from loket.identity.settings import IdentitySettings
from loket.identity.tokens import SigningKeys, TokenIssuer


def build(settings: IdentitySettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, metadata)
    handlers.register(runtime.consumer, settings)
    issuer = TokenIssuer(
        SigningKeys(settings.signing_keys_dir),
        issuer=settings.public_url,
        region=settings.region,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    app = runtime.http_app(
        title="Loket identity",
        description="Staff and parent accounts, activation links, login and tokens.",
        routers=[activation_router(runtime.database), keys_router(issuer.keys)],
    )
    app.state.token_issuer = issuer
    return runtime, app
