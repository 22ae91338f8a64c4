"""Wires identity: settings, runtime (database, broker, outbox, inbox), use cases, event handlers, routes."""

from datetime import timedelta

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from loket.contracts.runtime.service import Runtime
from loket.identity import handlers
from loket.identity.adapters.tokens import SigningKeys, TokenIssuer
from loket.identity.application.activation import Activation
from loket.identity.application.context import Context
from loket.identity.application.impersonation import Impersonation
from loket.identity.application.links import PasswordLinks
from loket.identity.application.login import Login
from loket.identity.application.mail_outcomes import MailOutcomes
from loket.identity.application.parent_logins import ParentLogins
from loket.identity.application.password_reset import ResetRequests
from loket.identity.application.region_audit import RegionAudit
from loket.identity.application.second_factor import SecondFactors
from loket.identity.application.sessions import SessionKeeper
from loket.identity.application.staff import StaffAdministration
from loket.identity.http.activation import activation_router
from loket.identity.http.audit import audit_router
from loket.identity.http.keys import keys_router
from loket.identity.http.links import links_router
from loket.identity.http.login import session_router
from loket.identity.http.pages import pages_router
from loket.identity.http.staff import staff_router
from loket.identity.persistence.audit import AuditLog
from loket.identity.persistence.models import metadata
from loket.identity.settings import IdentitySettings


def build(settings: IdentitySettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, metadata)
    runtime.work.audit = AuditLog
    issuer = TokenIssuer(
        SigningKeys(settings.signing_keys_dir),
        issuer=settings.public_url,
        region=settings.region,
        lifetime=timedelta(minutes=settings.access_token_minutes),
    )
    verifier = issuer.verifier()
    context = Context(runtime.work, issuer, settings)
    keeper = SessionKeeper(context)
    parent_logins = ParentLogins(context)
    administration = StaffAdministration(context, keeper)
    handlers.register(runtime.consumer, parent_logins, MailOutcomes(parent_logins))
    app = runtime.http_app(
        title="Loket identity",
        description="Staff and parent accounts, activation and invitation links, login, sessions and tokens.",
        routers=[
            activation_router(Activation(context, keeper, parent_logins), secure=settings.cookie_secure),
            keys_router(issuer.keys),
            session_router(
                Login(context, keeper), keeper, Impersonation(context, keeper), verifier, secure=settings.cookie_secure
            ),
            staff_router(administration, SecondFactors(context), verifier),
            links_router(PasswordLinks(context, keeper), ResetRequests(context)),
            audit_router(RegionAudit(context), verifier),
            pages_router(),
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
    app.state.passwords = context.passwords
    return runtime, app
