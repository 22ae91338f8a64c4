"""Wires notificatie: settings, runtime (database, broker, outbox, inbox), mailer, retries, event handlers."""

import httpx
from fastapi import FastAPI

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.notificatie import handlers, information_requests
from loket.notificatie.http.documents import documents_router
from loket.notificatie.http.letters import letters_router
from loket.notificatie.http.messages import messages_router
from loket.notificatie.letter_mails import LetterMails
from loket.notificatie.mailer import Mailer
from loket.notificatie.persistence.models import metadata
from loket.notificatie.prepared_letters import PreparedLetters
from loket.notificatie.records import Records
from loket.notificatie.retries import Retries
from loket.notificatie.sending import Sender
from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import MailTemplates


def build(
    settings: NotificatieSettings | None = None, *, records_transport: httpx.AsyncBaseTransport | None = None
) -> tuple[Runtime, FastAPI]:
    """`records_transport`: a test's stand-in for aanmelding and dossier; None: the network."""
    settings = settings or NotificatieSettings()
    runtime = Runtime("notificatie", settings, metadata)
    retries = Retries(runtime.broker, delivery_limit=settings.delivery_limit, prefetch=settings.prefetch)
    mailer, templates = Mailer(settings), MailTemplates()
    sender = Sender(
        settings,
        mailer,
        templates,
        retries,
        consumer=runtime.consumer,
        database=runtime.database,
        outbox=runtime.outbox,
    )
    handlers.register(runtime.consumer, sender)
    information_requests.register(runtime.consumer, sender)
    retries.subscribe(sender.retry, done=runtime.outbox.nudge)
    verifier = token_verifier(settings)
    letter_mails = LetterMails(runtime.database, runtime.outbox, mailer, templates, sender.sender_name)
    records = Records(settings.aanmelding_url, settings.dossier_url, transport=records_transport)
    prepared_letters = PreparedLetters(runtime.database, runtime.outbox, letter_mails, settings)
    runtime.every(settings.letter_poll_interval, "mailing the prepared letters that are due", prepared_letters.send_due)
    app = runtime.http_app(
        title="Loket notificatie",
        description="E-mail, letters and PDFs, and whether they arrived.",
        routers=[
            messages_router(runtime.database, verifier),
            letters_router(runtime.database, letter_mails, prepared_letters, records, verifier),
            documents_router(runtime.database, letter_mails, records, verifier),
        ],
    )
    app.state.prepared_letters = prepared_letters
    return runtime, app
