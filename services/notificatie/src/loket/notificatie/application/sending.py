"""Sending a message: the first attempt in the transaction of the event that asked for it, later
attempts when RabbitMQ brings the event back (`adapters/retries.py`), each on the message's own row.

Every attempt ends in one of four ways, each recorded with the server's answer in one transaction
with the event that reports it:

- accepted: `sent`, `notificatie.message.sent.v1`;
- refused for good (5xx): `failed`, `notificatie.message.failed.v1` with the answer as the reason;
- refused for now (4xx, no connection) with attempts left: still `queued`, the answer and the time of
  the next attempt recorded, and the event handed to a wait queue (confirmed by the broker before the
  transaction commits; if that fails, everything rolls back and the event is delivered again);
- refused for now on the last attempt: `failed`, `notificatie.message.failed.v1`.

A message is sent at most once per event: an attempt takes the message's row (locked on
PostgreSQL; SQLite lets one writer in at a time) and goes on only if the message is still `queued`
and has had exactly the attempts before this one. A copy of a retry that comes back twice, or late,
finds its attempt done and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from loket.contracts.envelope import Envelope
from loket.contracts.events import ActivationIssued, ActivationIssuedV1, MessageFailed, MessageSent
from loket.contracts.runtime.link_sealing import LinkSealer
from loket.contracts.runtime.unit_of_work import UnitOfWork, Work
from loket.notificatie.adapters.mailer import Mailer, NotSent
from loket.notificatie.adapters.retries import Retries
from loket.notificatie.adapters.templating import MailTemplates
from loket.notificatie.application.mails import MailRequest, NoAddress, mail_for_event
from loket.notificatie.domain.messages import MessageState, retry_delay
from loket.notificatie.persistence.messages import Messages
from loket.notificatie.persistence.models import Message
from loket.notificatie.persistence.recipients import Recipients
from loket.notificatie.settings import NotificatieSettings

log = logging.getLogger(__name__)

Activation = TypeVar("Activation", ActivationIssued, ActivationIssuedV1)  # v1: from before links were sealed
Read = Callable[[bytes], tuple[Envelope[Any], object]]  # the consumer's reading of an event's bytes


class Sending:
    def __init__(
        self,
        work: Work[Any],
        settings: NotificatieSettings,
        mailer: Mailer,
        templates: MailTemplates,
        retries: Retries,
        *,
        read: Read,
        links: LinkSealer,
    ) -> None:
        self.work = work
        self.settings = settings
        self.mailer = mailer
        self.templates = templates
        self.retries = retries
        self.read = read
        self.links = links

    async def mail_activation_link(self, uow: UnitOfWork[Any], envelope: Envelope[Activation]) -> None:
        """The activation mail; the first parent's address is remembered for the mails about the registration."""
        issued = envelope.payload
        if not issued.username.endswith("-2"):  # the first parent's: where mail about the registration goes
            await Recipients(uow.session).remember_parent_address(
                issued.pupil_id, issued.recipient, issued.username, issued.language, uow.now
            )
        await self.first_attempt(uow, envelope)

    async def first_attempt(self, uow: UnitOfWork[Any], envelope: Envelope[Any]) -> None:
        """Record the message an event asks for and try to send it (in the inbox's unit of work)."""
        try:
            request = await mail_for_event(envelope.payload, self.templates, Recipients(uow.session), self.links)
        except NoAddress:
            log.info("notificatie: no address for %s; nothing to send", envelope.event_id)
            return
        message = Message(
            requested_by=envelope.event_id,
            template=request.template,
            reference=request.reference,
            pupil_id=request.pupil_id,
            recipient=request.recipient,
            language=request.language,
            created_at=uow.now,
        )
        await Messages(uow.session).add(message)
        await self._attempt(uow, envelope, message, request)

    async def retry(self, body: bytes, attempt: int) -> None:
        """Attempt number `attempt` at the message of the event in `body`, if it is still due."""
        envelope, _handler = self.read(body)
        async with self.work(correlation_id=envelope.correlation_id, causation_id=envelope.event_id) as uow:
            message = await Messages(uow.session).asked_by(envelope.event_id)
            if message is None or message.state != MessageState.QUEUED or message.attempts != attempt - 1:
                log.info("notificatie: attempt %d at the message for %s is done already", attempt, envelope.event_id)
                return
            request = await mail_for_event(envelope.payload, self.templates, Recipients(uow.session), self.links)
            await self._attempt(uow, envelope, message, request)

    async def _attempt(
        self, uow: UnitOfWork[Any], envelope: Envelope[Any], message: Message, request: MailRequest
    ) -> None:
        message.attempts += 1
        rendered = self.templates.render(
            request.template,
            request.language,
            {**request.context, "sender": self.settings.sender_name, "proof_page_url": self.settings.proof_page_url},
        )
        now = uow.now
        try:
            reply = await self.mailer.send(self.mailer.compose(request.recipient, rendered))
        except NotSent as refused:
            message.server_reply = refused.answer
            if refused.permanent or message.attempts >= self.settings.send_attempts:
                await self._failed(uow, message, refused, now)
            else:
                await self._wait(envelope, message, now)
            return
        message.state = MessageState.SENT
        message.server_reply = reply
        message.sent_at = now
        message.next_attempt_at = None
        await uow.emit(MessageSent(**about(message), server_reply=reply))

    async def _failed(self, uow: UnitOfWork[Any], message: Message, refused: NotSent, now: datetime) -> None:
        message.state = MessageState.FAILED
        message.failed_at = now
        message.next_attempt_at = None
        reason = refused.answer
        if not refused.permanent:
            reason += f" (gave up after {message.attempts} attempts)"
        await uow.emit(MessageFailed(**about(message), reason=reason))

    async def _wait(self, envelope: Envelope[Any], message: Message, now: datetime) -> None:
        s = self.settings
        delay = retry_delay(message.attempts, s.retry_first_delay, s.retry_delay_cap)
        message.next_attempt_at = now + timedelta(seconds=delay)
        await self.retries.schedule(
            envelope.model_dump_json().encode(),
            attempt=message.attempts + 1,
            delay=delay,
            message_id=str(envelope.event_id),
        )


def about(message: Message) -> dict[str, Any]:
    """What `MessageSent` and `MessageFailed` say about the message."""
    return {
        "message_id": message.id,
        "template": message.template,
        "reference": message.reference,
        "requested_by": message.requested_by,
    }
