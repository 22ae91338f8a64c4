"""Sending a message: the first attempt in the transaction of the event that asked for it, later
attempts when RabbitMQ brings the event back (`retries.py`), each on the message's own row.

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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from loket.contracts.envelope import Envelope
from loket.contracts.events import MessageFailed, MessageSent
from loket.contracts.inbox import Consumer, Delivery
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.unit_of_work import Work
from loket.notificatie.domain.messages import MessageState, retry_delay
from loket.notificatie.mailer import Mailer, NotSent
from loket.notificatie.mails import MailRequest, NoAddress, mail_for_event
from loket.notificatie.persistence.models import Message
from loket.notificatie.retries import Retries
from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import MailTemplates

log = logging.getLogger(__name__)


class Sender:
    def __init__(
        self,
        settings: NotificatieSettings,
        mailer: Mailer,
        templates: MailTemplates,
        retries: Retries,
        *,
        consumer: Consumer,
        database: Database,
        outbox: Outbox,
    ) -> None:
        self.settings = settings
        self.mailer = mailer
        self.templates = templates
        self.retries = retries
        self.consumer = consumer
        self.database = database
        self.outbox = outbox
        self.sender_name = f"Loket {settings.region}"

    async def first_attempt(self, delivery: Delivery[Any]) -> None:
        """Record the message an event asks for and try to send it (inside the inbox's transaction)."""
        try:
            request = await mail_for_event(delivery.payload, self.templates, delivery.session)
        except NoAddress:
            log.info("notificatie: no address for %s; nothing to send", delivery.envelope.event_id)
            return
        message = Message(
            requested_by=delivery.envelope.event_id,
            template=request.template,
            reference=request.reference,
            pupil_id=request.pupil_id,
            recipient=request.recipient,
            language=request.language,
            created_at=datetime.now(UTC),
        )
        delivery.session.add(message)
        await delivery.session.flush()
        await self._attempt(delivery, message, request)

    async def retry(self, body: bytes, attempt: int) -> None:
        """Attempt number `attempt` at the message of the event in `body`, if it is still due."""
        envelope, _handler = self.consumer.read(body)
        work = Work[Any](self.database, self.outbox)
        async with work(correlation_id=envelope.correlation_id, causation_id=envelope.event_id) as unit:
            session = unit.session
            query = select(Message).where(Message.requested_by == envelope.event_id)
            if not self.database.is_sqlite:
                query = query.with_for_update()
            message = (await session.exec(query)).one_or_none()
            if message is None or message.state != MessageState.QUEUED or message.attempts != attempt - 1:
                log.info("notificatie: attempt %d at the message for %s is done already", attempt, envelope.event_id)
                return
            delivery = Delivery[Any](envelope=envelope, work=unit)
            request = await mail_for_event(envelope.payload, self.templates, session)
            await self._attempt(delivery, message, request)

    async def _attempt(self, delivery: Delivery[Any], message: Message, request: MailRequest) -> None:
        message.attempts += 1
        rendered = self.templates.render(
            request.template,
            request.language,
            {**request.context, "sender": self.sender_name, "proof_page_url": self.settings.proof_page_url},
        )
        now = datetime.now(UTC)
        try:
            reply = await self.mailer.send(self.mailer.compose(request.recipient, rendered))
        except NotSent as refused:
            message.server_reply = refused.answer
            if refused.permanent or message.attempts >= self.settings.send_attempts:
                await self._failed(delivery, message, refused, now)
            else:
                await self._wait(delivery.envelope, message, now)
            return
        message.state = MessageState.SENT
        message.server_reply = reply
        message.sent_at = now
        message.next_attempt_at = None
        await delivery.emit(MessageSent(**about(message), server_reply=reply))

    async def _failed(self, delivery: Delivery[Any], message: Message, refused: NotSent, now: datetime) -> None:
        message.state = MessageState.FAILED
        message.failed_at = now
        message.next_attempt_at = None
        reason = refused.answer
        if not refused.permanent:
            reason += f" (gave up after {message.attempts} attempts)"
        await delivery.emit(MessageFailed(**about(message), reason=reason))

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
