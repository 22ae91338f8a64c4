"""Wires dossier: settings, runtime (database, broker, outbox, inbox), routes."""

from fastapi import FastAPI

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.dossier.http.pupils import pupils_router
from loket.dossier.persistence.models import metadata
from loket.dossier.settings import DossierSettings


def build(settings: DossierSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or DossierSettings()
    runtime = Runtime("dossier", settings, metadata)
    app = runtime.http_app(
        title="Loket dossier",
        description="Schools, groups, pupils, the education report (OKI-doc), advice and test results.",
        routers=[pupils_router(runtime.database, runtime.outbox, token_verifier(settings))],
    )
    return runtime, app
