"""Wires dossier: settings, runtime (database, broker, outbox, inbox, units of work with the audit trail),
adapters, one of each use case, event handlers, routes."""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.dossier import handlers
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.adapters.oki_doc_pdf import OkiDocPdf
from loket.dossier.application.attachments import Attachments
from loket.dossier.application.callers import Callers
from loket.dossier.application.doorstroomtoets_import import DoorstroomtoetsImport
from loket.dossier.application.oki_docs import OkiDocs
from loket.dossier.application.organisation import OrganisationAdministration
from loket.dossier.application.parent_logins import ParentLogins
from loket.dossier.application.pupil_import import PupilImport
from loket.dossier.application.pupils import Dossiers
from loket.dossier.application.registration import Registration
from loket.dossier.application.sharing import Sharing
from loket.dossier.http.attachments import attachments_router
from loket.dossier.http.caller import caller, validation_failed
from loket.dossier.http.external_pupils import external_pupils_router
from loket.dossier.http.imports import imports_router
from loket.dossier.http.oki_doc import advice_router, oki_doc_router
from loket.dossier.http.organisation import organisation_router
from loket.dossier.http.pupils import pupils_router
from loket.dossier.http.sharing import sharing_router
from loket.dossier.persistence.audit import AuditTrail
from loket.dossier.persistence.models import metadata
from loket.dossier.settings import DossierSettings


def build(settings: DossierSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or DossierSettings()
    runtime = Runtime("dossier", settings, metadata)
    runtime.work.audit = AuditTrail
    work = runtime.work
    handlers.register(runtime.consumer)

    key = settings.bsn_key.get_secret_value() if settings.bsn_key else None
    vault = BsnVault(key, settings.bsn_key_path)
    calling = caller(Callers(work), token_verifier(settings))
    registration = Registration(work, vault)
    oki_docs = OkiDocs(work, vault, settings.oki_doc_required)
    app = runtime.http_app(
        title="Loket dossier",
        description="Schools, groups, pupils, the education report (OKI-doc), advice and test results.",
        routers=[
            organisation_router(OrganisationAdministration(work), calling),
            pupils_router(registration, Dossiers(work, vault), oki_docs, ParentLogins(work), calling),
            oki_doc_router(oki_docs, OkiDocPdf(), calling),
            advice_router(oki_docs, calling),
            imports_router(DoorstroomtoetsImport(work), PupilImport(work, vault), calling),
            external_pupils_router(registration, calling),
            attachments_router(Attachments(work, settings.attachment_max_bytes), calling),
            sharing_router(Sharing(work, vault), calling),
        ],
    )
    app.add_exception_handler(RequestValidationError, validation_failed)
    return runtime, app
