"""Which mail each event asks for: its template, whom it goes to, what it is about, and what it says.

The same event gives the same mail on every attempt, so a retry renders it again from the event
instead of storing it (activation, invitation and reset mails hold a secret link)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import (
    ActivationIssued,
    EventPayload,
    InvitationIssued,
    PasswordResetIssued,
    PriorityClaimDecided,
    RegistrationSubmitted,
)
from loket.notificatie.persistence.models import ParentAddress
from loket.notificatie.templating import MailTemplates

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"
RESET_TEMPLATE = "password_reset"
CONFIRMATION_TEMPLATE = "registration_confirmation"
PRIORITY_TEMPLATE = "priority_decision"
PRIORITY_KINDS = {  # the claim in the parent's words (Dutch, English)
    "sibling": ("broer of zus op de school", "a brother or sister at the school"),
    "staff_child": ("kind van een medewerker", "a child of a member of staff"),
    "personal_circumstances": ("persoonlijke omstandigheden", "personal circumstances"),
}
TIME_ZONE = ZoneInfo("Europe/Amsterdam")  # every Loket region is in the Netherlands


@dataclass(frozen=True)
class MailRequest:
    template: str
    reference: UUID  # the object the mail is about, in the asking service's terms
    recipient: str
    language: str
    context: dict[str, Any]
    pupil_id: UUID | None = None  # the pupil the mail is about, where there is one: its school may see it


class NoAddress(Exception):
    """No address is known for the parent (no online account: the paper form); nothing is sent."""


async def mail_for_event(payload: EventPayload, templates: MailTemplates, session: AsyncSession) -> MailRequest:
    """The mail an event asks for; for aanmelding's events, to the address the parent's activation link
    went to (`NoAddress` when there is none)."""
    if isinstance(payload, RegistrationSubmitted | PriorityClaimDecided):
        address = await session.get(ParentAddress, payload.pupil_id)
        if address is None:
            raise NoAddress(f"no parent address for pupil {payload.pupil_id}")
        if isinstance(payload, RegistrationSubmitted):
            language = templates.language_for(CONFIRMATION_TEMPLATE, address.language)
            context: dict[str, Any] = {
                "username": address.username,
                "submitted_on": format_date(payload.submitted_at, format="long", locale=language),
            }
            template = CONFIRMATION_TEMPLATE
        else:
            language = templates.language_for(PRIORITY_TEMPLATE, address.language)
            dutch, english = PRIORITY_KINDS.get(payload.kind, (payload.kind, payload.kind))
            context = {"username": address.username, "granted": payload.granted, "kind": dutch, "kind_en": english}
            template = PRIORITY_TEMPLATE
        return MailRequest(template, payload.registration_id, address.recipient, language, context, payload.pupil_id)
    return mail_for(payload, templates)


def mail_for(payload: EventPayload, templates: MailTemplates) -> MailRequest:
    """The mail an event that names its recipient asks for."""
    if isinstance(payload, ActivationIssued):
        language = templates.language_for(ACTIVATION_TEMPLATE, payload.language)
        context: dict[str, Any] = {
            "activation_url": str(payload.activation_url),
            "username": payload.username,
            "expires_on": format_date(payload.expires_at, format="long", locale=language),
        }
        return MailRequest(
            ACTIVATION_TEMPLATE, payload.account_id, payload.recipient, language, context, payload.pupil_id
        )
    if isinstance(payload, InvitationIssued):
        language = templates.language_for(INVITATION_TEMPLATE, payload.language)
        context = {
            "invitation_url": str(payload.invitation_url),
            "username": payload.username,
            "role": payload.role,
            "school_brin": payload.school_brin,
            "board": payload.board,
            "expires_on": format_date(payload.expires_at, format="long", locale=language),
        }
        return MailRequest(INVITATION_TEMPLATE, payload.account_id, payload.recipient, language, context)
    if isinstance(payload, PasswordResetIssued):
        language = templates.language_for(RESET_TEMPLATE, payload.language)
        context = {
            "reset_url": str(payload.reset_url),
            "username": payload.username,
            "expires_at": format_datetime(payload.expires_at, format="short", tzinfo=TIME_ZONE, locale=language),
        }
        return MailRequest(RESET_TEMPLATE, payload.account_id, payload.recipient, language, context)
    raise TypeError(f"no mail for {type(payload).__name__}")
