"""Wires dossier: settings, runtime (database, broker, outbox, inbox), event handlers, routes."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.dossier import handlers
from loket.dossier.attachments import Attachments
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.dossiers import Dossiers
from loket.dossier.http.answers import validation_failed
from loket.dossier.http.attachments import attachments_router
from loket.dossier.http.external_pupils import external_pupils_router
from loket.dossier.http.imports import imports_router
from loket.dossier.http.oki_doc import advice_router, oki_doc_router
from loket.dossier.http.organisation import organisation_router
from loket.dossier.http.pupils import pupils_router
from loket.dossier.http.sharing import sharing_router
from loket.dossier.adapters.oki_doc_pdf import OkiDocPdf
from loket.dossier.oki_docs import OkiDocs
from loket.dossier.parent_logins import ParentLogins
from loket.dossier.persistence.models import metadata
from loket.dossier.settings import DossierSettings
from loket.dossier.sharing import Sharing


def build(settings: DossierSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or DossierSettings()
    runtime = Runtime("dossier", settings, metadata)
    handlers.register(runtime.consumer)
    verifier = token_verifier(settings)
    key = settings.bsn_key.get_secret_value() if settings.bsn_key else None
    vault = BsnVault(key, settings.bsn_key_path)
    oki_docs = OkiDocs(runtime.database, runtime.outbox, vault, settings.oki_doc_required)
    app = runtime.http_app(
        title="Loket dossier",
        description="Schools, groups, pupils, the education report (OKI-doc), advice and test results.",
        routers=[
            organisation_router(runtime.database, runtime.outbox, verifier),
            pupils_router(
                runtime.database,
                runtime.outbox,
                vault,
                oki_docs,
                ParentLogins(runtime.database, runtime.outbox),
                verifier,
            ),
            oki_doc_router(runtime.database, oki_docs, OkiDocPdf(), verifier),
            advice_router(runtime.database, oki_docs, verifier),
            imports_router(runtime.database, runtime.outbox, vault, verifier),
            external_pupils_router(runtime.database, runtime.outbox, vault, verifier),
            attachments_router(
                runtime.database, Attachments(runtime.database, settings.attachment_max_bytes), verifier
            ),
            sharing_router(
                runtime.database,
                Sharing(runtime.database, runtime.outbox),
                Dossiers(runtime.database, vault, runtime.outbox),
                verifier,
            ),
        ],
    )
    app.add_exception_handler(RequestValidationError, validation_failed)
    return runtime, app
