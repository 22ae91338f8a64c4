"""A school mails a parent its placement letter (brief plaatsingsaanbod) as a PDF.

The school gives the letter's fields itself, the pupil's name among them: events never carry a
child's name (`tests/contract/test_catalog.py`), so a letter that names the child comes from whoever
holds the name, over HTTP. Nothing of the letter is stored: the PDF is printed, mailed and forgotten;
the `message` row keeps only what every message keeps (state, template, recipient, times).

The mail is sent while the request waits, in one unit of work with its row and its outcome event
(`notificatie.message.sent.v1` / `.failed.v1`; `requested_by` is the request's own id, as no event
asked). A refusal for now (4xx, no connection) rolls everything back and is answered 503: the school
sends again, as nothing of the letter is kept to retry from. A refusal for good is recorded `failed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

from loket.contracts.errors import NotFound, Problem
from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims
from loket.notificatie.adapters.letters.printing import Printing
from loket.notificatie.adapters.letters.rendering import InvalidLetter, Letter
from loket.notificatie.adapters.mailer import Mailer, NotSent
from loket.notificatie.adapters.templating import MailTemplates
from loket.notificatie.application.sending import about
from loket.notificatie.domain.access import letters_of_school
from loket.notificatie.domain.messages import MessageState
from loket.notificatie.persistence.messages import Messages
from loket.notificatie.persistence.models import Message
from loket.notificatie.persistence.recipients import Recipients

TEMPLATE = "placement_letter"


class MailServerBusy(Problem):
    """The mail server refused for now; nothing was recorded: the school sends again later (503)."""

    status = 503

    def __init__(self, answer: str) -> None:
        super().__init__(f"the mail server says: {answer}; send again later")
        self.headers = {"Retry-After": "60"}


class UnprintableLetter(Problem):
    """A letter the printer refuses (a logo that is not a data: URI, a bad BRIN), in its words (422)."""

    status = 422


@dataclass(frozen=True)
class PlacementLetter:
    pupil_id: UUID
    school_brin: str
    recipient: str
    fields: dict[str, Any]  # the letter's merge fields (`adapters/letters/templates/placement_letter.html`)


def letter_of(request: PlacementLetter) -> Letter:
    return Letter(
        TEMPLATE, request.fields, request.school_brin, reference=str(request.fields.get("case_reference", ""))
    )


async def printed(printing: Printing, letters: Sequence[PlacementLetter]) -> list[bytes]:
    """The letters' PDFs, from one batch; `UnprintableLetter` when one cannot be printed."""
    try:
        return await printing.pdfs([letter_of(letter) for letter in letters])
    except InvalidLetter as refused:
        raise UnprintableLetter(str(refused)) from None


class LetterMails:
    def __init__(
        self, work: Work[Any], mailer: Mailer, templates: MailTemplates, printing: Printing, sender: str
    ) -> None:
        self.work = work
        self.mailer = mailer
        self.templates = templates
        self.printing = printing
        self.sender = sender

    def compose(self, recipient: str, fields: dict[str, Any], pdf: bytes) -> EmailMessage:
        """The mail that carries a placement letter: a short note, the letter as its PDF attachment."""
        context = {**fields, "sender": self.sender}
        rendered = self.templates.render(TEMPLATE, "nl", context)
        return self.mailer.compose(recipient, rendered, {"plaatsingsaanbod.pdf": pdf})

    async def send(self, claims: Claims, request: PlacementLetter) -> Message:
        """For the school itself, a pupil it registered: print the letter, mail it, record the outcome."""
        letters_of_school(claims, request.school_brin).enforce("school")
        async with self.work() as uow:
            if await Recipients(uow.session).school_of(request.pupil_id) != request.school_brin:
                raise NotFound("pupil not found at this school")
            [pdf] = await printed(self.printing, [request])
            mail = self.compose(request.recipient, request.fields, pdf)
            now = uow.now
            message = await Messages(uow.session).add(
                Message(
                    requested_by=uuid4(),
                    template=TEMPLATE,
                    reference=request.pupil_id,
                    pupil_id=request.pupil_id,
                    recipient=request.recipient,
                    language="nl",
                    created_at=now,
                    attempts=1,
                )
            )
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
            await uow.emit(outcome)
        return message
