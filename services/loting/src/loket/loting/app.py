"""Wires loting: settings, runtime (database, broker, outbox, inbox)."""

from fastapi import FastAPI

from loket.contracts.runtime.service import Runtime
from loket.loting.persistence.models import metadata
from loket.loting.settings import LotingSettings


def build(settings: LotingSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or LotingSettings()
    runtime = Runtime("loting", settings, metadata)
    app = runtime.http_app(title="Loket loting", description="Lottery and matching runs, and simulations.")
    return runtime, app
