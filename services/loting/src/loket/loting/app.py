"""Wires loting: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from fastapi import FastAPI

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.loting import handlers
from loket.loting.http.runs import runs_router
from loket.loting.persistence.models import metadata
from loket.loting.settings import LotingSettings


def build(settings: LotingSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or LotingSettings()
    runtime = Runtime("loting", settings, metadata)
    handlers.register(runtime.consumer)
    app = runtime.http_app(
        title="Loket loting",
        description="Lottery and matching runs, and simulations; the lottery ceremony with its proces-verbaal.",
        routers=[runs_router(runtime.work, token_verifier(settings))],
    )
    return runtime, app
