"""What notificatie does when other services' events arrive: a message per event, sent once."""

from datetime import UTC, datetime
from typing import Any

import aiosmtplib
from babel.dates import format_date

from loket.contracts.events import ActivationIssued, MessageFailed, MessageSent
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.domain.messages import MessageState, is_permanent
from loket.notificatie.mailer import Mailer
from loket.notificatie.persistence.models import Message
from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import MailTemplates

ACTIVATION_TEMPLATE = "parent_activation"


def register(consumer: Consumer, settings: NotificatieSettings, mailer: Mailer, templates: MailTemplates) -> None:
    @consumer.on(ActivationIssued)
    async def mail_activation_link(delivery: Delivery[ActivationIssued]) -> None:
        issued = delivery.payload
        language = templates.language_for(ACTIVATION_TEMPLATE, issued.language)
        message = Message(
            requested_by=delivery.envelope.event_id,
            template=ACTIVATION_TEMPLATE,
            reference=issued.account_id,
            recipient=issued.recipient,
            language=language,
            created_at=datetime.now(UTC),
        )
        delivery.session.add(message)
        await delivery.session.flush()
        mail = templates.render(
            ACTIVATION_TEMPLATE,
            language,
            {
                "activation_url": str(issued.activation_url),
                "username": issued.username,
                "expires_on": format_date(issued.expires_at, format="long", locale=language),
                "sender": f"Loket {settings.region}",
            },
        )
        try:
            reply = await mailer.send(mailer.compose(issued.recipient, mail))
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as refused:
            answers = refused.recipients if isinstance(refused, aiosmtplib.SMTPRecipientsRefused) else [refused]
            if not all(is_permanent(answer.code) for answer in answers):
                raise  # a temporary failure: the broker redelivers until the delivery limit
            message.state = MessageState.FAILED
            message.server_reply = "; ".join(f"{answer.code} {answer.message}" for answer in answers)
            await delivery.emit(MessageFailed(**_about(message), reason=message.server_reply))
            return
        message.state = MessageState.SENT
        message.server_reply = reply
        message.sent_at = datetime.now(UTC)
        await delivery.emit(MessageSent(**_about(message), server_reply=reply))


def _about(message: Message) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "template": message.template,
        "reference": message.reference,
        "requested_by": message.requested_by,
    }
