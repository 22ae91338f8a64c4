"""A school mails a parent its placement letter (brief plaatsingsaanbod) as a PDF.

The school gives the letter's fields itself, the pupil's name among them: events never carry a
child's name (`tests/contract/test_catalog.py`), so a letter that names the child comes from whoever
holds the name, over HTTP. Nothing of the letter is stored: the PDF is printed, mailed and forgotten;
the `message` row keeps only what every message keeps (state, template, recipient, times).

The mail is sent while the request waits, in one transaction with its row and its outcome event
(`notificatie.message.sent.v1` / `.failed.v1`; `requested_by` is the request's own id, as no event
asked). A refusal for now (4xx, no connection) rolls everything back and is answered 503: the school
sends again, as nothing of the letter is kept to retry from. A refusal for good is recorded `failed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.notificatie.domain.messages import MessageState
from loket.notificatie.letters.rendering import Letter, Printer
from loket.notificatie.mailer import Mailer, NotSent
from loket.notificatie.persistence.models import Message
from loket.notificatie.sending import about
from loket.notificatie.templating import MailTemplates

TEMPLATE = "placement_letter"


class MailServerBusy(Exception):
    """The mail server refused for now; nothing was recorded."""


@dataclass(frozen=True)
class PlacementLetter:
    pupil_id: UUID
    school_brin: str
    recipient: str
    fields: dict[str, Any]  # the letter's merge fields (`letters/templates/placement_letter.html`)


def letter_of(request: PlacementLetter) -> Letter:
    return Letter(
        TEMPLATE, request.fields, request.school_brin, reference=str(request.fields.get("case_reference", ""))
    )


class LetterMails:
    def __init__(
        self, database: Database, outbox: Outbox, mailer: Mailer, templates: MailTemplates, sender: str
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.mailer = mailer
        self.templates = templates
        self.sender = sender
        self._printer: Printer | None = None
        self._printing = asyncio.Lock()  # one Printer, one letter at a time, off the event loop

    async def print(self, letters: Sequence[Letter]) -> list[bytes]:
        """Print letters as one batch (one layout for all: a few ms a letter instead of ~0.3 s alone)."""
        async with self._printing:
            return await asyncio.to_thread(self._print, letters)

    def _print(self, letters: Sequence[Letter]) -> list[bytes]:
        if self._printer is None:
            self._printer = Printer(sender=self.sender)
        return self._printer.pdfs(letters)

    def compose(self, recipient: str, fields: dict[str, Any], pdf: bytes) -> EmailMessage:
        """The mail that carries a placement letter: a short note, the letter as its PDF attachment."""
        context = {**fields, "sender": self.sender}
        rendered = self.templates.render(TEMPLATE, "nl", context)
        return self.mailer.compose(recipient, rendered, {"plaatsingsaanbod.pdf": pdf})

    async def send(self, request: PlacementLetter) -> Message:
        """Print the letter, mail it, record the outcome; raises `InvalidLetter` or `MailServerBusy`."""
        [pdf] = await self.print([letter_of(request)])
        mail = self.compose(request.recipient, request.fields, pdf)
        now = datetime.now(UTC)
        async with self.database.transaction() as session:
            message = Message(
                requested_by=uuid4(),
                template=TEMPLATE,
                reference=request.pupil_id,
                pupil_id=request.pupil_id,
                recipient=request.recipient,
                language="nl",
                created_at=now,
                attempts=1,
            )
            session.add(message)
            await session.flush()
            try:
                message.server_reply = await self.mailer.send(mail)
            except NotSent as refused:
                if not refused.permanent:
                    raise MailServerBusy(refused.answer) from None
                message.state, message.server_reply, message.failed_at = MessageState.FAILED, refused.answer, now
                outcome: MessageSent | MessageFailed = MessageFailed(**about(message), reason=refused.answer)
            else:
                message.state, message.sent_at = MessageState.SENT, now
                outcome = MessageSent(**about(message), server_reply=message.server_reply)
            await self.outbox.put(session, outcome)
        self.outbox.nudge()
        return message
