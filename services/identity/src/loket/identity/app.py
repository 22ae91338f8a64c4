"""Wires identity: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from datetime import timedelta

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from loket.contracts.runtime.service import Runtime
from loket.identity import handlers
from loket.identity.activation import Activation
from loket.identity.http.activation import activation_router
from loket.identity.http.audit import audit_router
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
            audit_router(runtime.database, verifier),
        ],
    )
    if settings.trusted_proxies:
        # The portal calls identity on behalf of the parent, so the peer is the portal: throttling per
        # address would lump every parent together. From a trusted proxy only, the client is taken from
        # X-Forwarded-For: uvicorn's own middleware, which walks the header from the right past trusted
        # hops (ingress, portal) and takes the first address that is not one; from anyone else the header
        # counts for nothing. In the app rather than uvicorn's --forwarded-allow-ips (FORWARDED_ALLOW_IPS),
        # so that it is identity's setting, holds under any server and in the tests; the two may be combined.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.state.token_issuer = issuer
    app.state.administration = administration
    return runtime, app
