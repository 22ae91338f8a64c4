"""Wires aanmelding: settings, runtime (database, broker, outbox, inbox)."""

from fastapi import FastAPI

from loket.aanmelding import handlers
from loket.aanmelding.persistence.models import metadata
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.runtime.service import Runtime


def build(settings: AanmeldingSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or AanmeldingSettings()
    runtime = Runtime("aanmelding", settings, metadata)
    handlers.register(runtime.consumer)
    app = runtime.http_app(
        title="Loket aanmelding",
        description="Procedures per region, preference lists, priority claims, school decisions and rounds.",
    )
    return runtime, app
