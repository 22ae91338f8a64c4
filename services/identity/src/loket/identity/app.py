"""Wires identity: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from datetime import timedelta

from fastapi import FastAPI

from loket.contracts.runtime.service import Runtime
from loket.identity import handlers
from loket.identity.activation import Activation
from loket.identity.http.activation import activation_router
from loket.identity.http.keys import keys_router
from loket.identity.http.links import links_router
from loket.identity.http.login import session_router
from loket.identity.http.staff import staff_router
from loket.identity.links import PasswordLinks
from loket.identity.login import Login, SecondFactors
from loket.identity.persistence.models import metadata
from loket.identity.security import Security
from loket.identity.sessions import SessionKeeper
from loket.identity.settings import IdentitySettings
from loket.identity.staff import StaffAdministration
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
    verifier = issuer.verifier()
    security = Security(runtime.database, runtime.outbox, issuer, settings)
    keeper = SessionKeeper(security)
    administration = StaffAdministration(security, keeper)
    app = runtime.http_app(
        title="Loket identity",
        description="Staff and parent accounts, activation and invitation links, login, sessions and tokens.",
        routers=[
            activation_router(Activation(security, keeper), secure=settings.cookie_secure),
            keys_router(issuer.keys),
            session_router(Login(security, keeper), keeper, administration, verifier, secure=settings.cookie_secure),
            staff_router(administration, SecondFactors(security), verifier),
            links_router(PasswordLinks(security, keeper)),
        ],
    )
    app.state.token_issuer = issuer
    app.state.administration = administration
    return runtime, app
