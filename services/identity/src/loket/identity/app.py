"""Wires identity: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from fastapi import FastAPI

from loket.contracts.runtime.service import Runtime
from loket.identity import handlers
from loket.identity.http.activation import activation_router
from loket.identity.persistence.models import metadata
from loket.identity.settings import IdentitySettings


def build(settings: IdentitySettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, metadata)
    handlers.register(runtime.consumer, settings)
    app = runtime.http_app(
        title="Loket identity",
        description="Staff and parent accounts, activation links, login and tokens.",
        routers=[activation_router(runtime.database)],
    )
    return runtime, app
