"""Wires notificatie: settings, runtime (database, broker, outbox, inbox, units of work), the adapters
(mail server, printer, retry queues, aanmelding and dossier), the use cases, routes and event handlers."""

import httpx
from fastapi import FastAPI

from loket.contracts.runtime.auth import token_verifier
from loket.contracts.runtime.service import Runtime
from loket.notificatie import handlers
from loket.notificatie.adapters.letters.printing import Printing
from loket.notificatie.adapters.mailer import Mailer
from loket.notificatie.adapters.records import Records
from loket.notificatie.adapters.retries import Retries
from loket.notificatie.adapters.templating import MailTemplates
from loket.notificatie.application.delivery_status import DeliveryStatus
from loket.notificatie.application.documents import Documents
from loket.notificatie.application.letter_mails import LetterMails
from loket.notificatie.application.prepared_letters import PreparedLetters
from loket.notificatie.application.sending import Sending
from loket.notificatie.http.documents import documents_router
from loket.notificatie.http.letters import letters_router
from loket.notificatie.http.messages import messages_router
from loket.notificatie.persistence.messages import Messages
from loket.notificatie.persistence.models import metadata
from loket.notificatie.settings import NotificatieSettings


def build(
    settings: NotificatieSettings | None = None, *, records_transport: httpx.AsyncBaseTransport | None = None
) -> tuple[Runtime, FastAPI]:
    """`records_transport`: a test's stand-in for aanmelding and dossier; None: the network."""
    settings = settings or NotificatieSettings()
    runtime = Runtime("notificatie", settings, metadata)
    work = runtime.work
    retries = Retries(
        runtime.broker,
        delivery_limit=settings.delivery_limit,
        prefetch=settings.prefetch,
        retry_transient_for=settings.retry_transient_for,
    )
    mailer, templates, printing = Mailer(settings), MailTemplates(), Printing(settings.sender_name)
    records = Records(settings.aanmelding_url, settings.dossier_url, transport=records_transport)

    sending = Sending(
        work, settings, mailer, templates, retries, read=runtime.consumer.read, links=settings.link_sealer()
    )
    letter_mails = LetterMails(work, mailer, templates, printing, settings.sender_name)
    prepared_letters = PreparedLetters(work, letter_mails, printing, records, settings)

    handlers.register(runtime.consumer, sending)
    retries.subscribe(sending.retry)
    runtime.every(settings.letter_poll_interval, "mailing the prepared letters that are due", prepared_letters.send_due)
    verifier = token_verifier(settings)
    app = runtime.http_app(
        title="Loket notificatie",
        description="E-mail, letters and PDFs, and whether they arrived.",
        routers=[
            messages_router(DeliveryStatus(work), verifier),
            letters_router(letter_mails, prepared_letters, verifier),
            documents_router(Documents(work, printing, records), verifier),
        ],
    )
    app.state.prepared_letters = prepared_letters
    measure(runtime)
    return runtime, app


def measure(runtime: Runtime) -> None:
    async def mails() -> dict[tuple[str, ...], float]:
        async with runtime.work() as uow:
            return {(state.value,): count for state, count in (await Messages(uow.session).count_by_state()).items()}

    async def retries_waiting() -> int:
        async with runtime.work() as uow:
            return await Messages(uow.session).retries_waiting()

    runtime.metrics.gauge("loket_mails", "Mails by state: queued, sent, failed.", mails, labels=["state"])
    runtime.metrics.gauge(
        "loket_mail_retries_waiting", "Queued mails waiting for a retry after a temporary failure.", retries_waiting
    )
