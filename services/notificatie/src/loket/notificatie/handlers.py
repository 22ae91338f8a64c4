"""What notificatie does when other services' events arrive: a message per event, sent once."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import aiosmtplib
from babel.dates import format_date, format_datetime

from loket.contracts.events import (
    ActivationIssued,
    InvitationIssued,
    MessageFailed,
    MessageSent,
    PasswordResetIssued,
)
from loket.contracts.inbox import Consumer, Delivery
from loket.notificatie.domain.messages import MessageState, is_permanent
from loket.notificatie.mailer import Mailer
from loket.notificatie.persistence.models import Message
from loket.notificatie.settings import NotificatieSettings
from loket.notificatie.templating import MailTemplates

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"
RESET_TEMPLATE = "password_reset"
TIME_ZONE = ZoneInfo("Europe/Amsterdam")  # every Loket region is in the Netherlands


def register(consumer: Consumer, settings: NotificatieSettings, mailer: Mailer, templates: MailTemplates) -> None:
    sender = f"Loket {settings.region}"

    @consumer.on(ActivationIssued)
    async def mail_activation_link(delivery: Delivery[ActivationIssued]) -> None:
        issued = delivery.payload
        language = templates.language_for(ACTIVATION_TEMPLATE, issued.language)
        context = {
            "activation_url": str(issued.activation_url),
            "username": issued.username,
            "expires_on": format_date(issued.expires_at, format="long", locale=language),
        }
        await mail(delivery, ACTIVATION_TEMPLATE, issued.account_id, issued.recipient, language, context)

    @consumer.on(InvitationIssued)
    async def mail_staff_invitation(delivery: Delivery[InvitationIssued]) -> None:
        issued = delivery.payload
        language = templates.language_for(INVITATION_TEMPLATE, issued.language)
        context = {
            "invitation_url": str(issued.invitation_url),
            "username": issued.username,
            "role": issued.role,
            "school_brin": issued.school_brin,
            "board": issued.board,
            "expires_on": format_date(issued.expires_at, format="long", locale=language),
        }
        await mail(delivery, INVITATION_TEMPLATE, issued.account_id, issued.recipient, language, context)

    @consumer.on(PasswordResetIssued)
    async def mail_password_reset_link(delivery: Delivery[PasswordResetIssued]) -> None:
        issued = delivery.payload
        language = templates.language_for(RESET_TEMPLATE, issued.language)
        context = {
            "reset_url": str(issued.reset_url),
            "username": issued.username,
            "expires_at": format_datetime(issued.expires_at, format="short", tzinfo=TIME_ZONE, locale=language),
        }
        await mail(delivery, RESET_TEMPLATE, issued.account_id, issued.recipient, language, context)

    async def mail(
        delivery: Delivery[Any], template: str, reference: UUID, recipient: str, language: str, context: dict[str, Any]
    ) -> None:
        """Record the message, send it, and report how it went (a temporary failure raises: redelivery)."""
        message = Message(
            requested_by=delivery.envelope.event_id,
            template=template,
            reference=reference,
            recipient=recipient,
            language=language,
            created_at=datetime.now(UTC),
        )
        delivery.session.add(message)
        await delivery.session.flush()
        rendered = templates.render(template, language, {**context, "sender": sender})
        try:
            reply = await mailer.send(mailer.compose(recipient, rendered))
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
