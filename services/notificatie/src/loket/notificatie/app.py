"""Wires notificatie: settings, runtime (database, broker, outbox, inbox), mailer, event handlers."""

from fastapi import FastAPI

from loket.contracts.runtime.service import Runtime
from loket.notificatie import handlers, information_requests
from loket.notificatie.mailer import Mailer
from loket.notificatie.persistence.models import metadata
from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import MailTemplates


def build(settings: NotificatieSettings | None = None) -> tuple[Runtime, FastAPI]:
    settings = settings or NotificatieSettings()
    runtime = Runtime("notificatie", settings, metadata)
    handlers.register(runtime.consumer, settings, Mailer(settings), MailTemplates())
    information_requests.register(runtime.consumer)
    app = runtime.http_app(
        title="Loket notificatie",
        description="E-mail, letters and PDFs, and whether they arrived.",
    )
    return runtime, app
