"""Which mail each event asks for: its template, whom it goes to, what it is about, and what it says.

The same event gives the same mail on every attempt, so a retry renders it again from the event
instead of storing it (activation, invitation and reset mails hold a secret link). That link comes sealed
(`loket.contracts.runtime.link_sealing`) and is opened here only to render the mail; an event of v1,
from before identity sealed its links, carries it in clear and is mailed as it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from loket.contracts.events import (
    ActivationIssued,
    ActivationIssuedV1,
    EventPayload,
    InformationAnswered,
    InformationRequested,
    InvitationIssued,
    InvitationIssuedV1,
    PasswordResetIssued,
    PasswordResetIssuedV1,
    PlacementPublished,
    PriorityClaimDecided,
    RegistrationEndedBySchool,
    RegistrationSubmitted,
    ReminderDue,
)
from loket.contracts.runtime.link_sealing import LinkSealer
from loket.notificatie.adapters.templating import MailTemplates
from loket.notificatie.persistence.recipients import Recipients

ACTIVATION_TEMPLATE = "parent_activation"
INVITATION_TEMPLATE = "staff_invitation"
RESET_TEMPLATE = "password_reset"
CONFIRMATION_TEMPLATE = "registration_confirmation"
PRIORITY_TEMPLATE = "priority_decision"
REMINDER_TEMPLATE = "registration_reminder"
PUBLISHED_TEMPLATE = "placement_published"
ENDED_TEMPLATE = "registration_ended"
QUESTION_TEMPLATE = "information_requested"
ANSWER_TEMPLATE = "information_answered"
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
    """No address is known: for the parent (no online account: the paper form), or for the school (none
    given in dossier); nothing is sent."""


async def mail_for_event(
    payload: EventPayload, templates: MailTemplates, recipients: Recipients, links: LinkSealer
) -> MailRequest:
    """The mail an event asks for; for aanmelding's events, to the address the parent's activation link
    went to (`NoAddress` when there is none)."""
    if isinstance(
        payload,
        RegistrationSubmitted | PriorityClaimDecided | ReminderDue | PlacementPublished | RegistrationEndedBySchool,
    ):
        address = await recipients.parent_address(payload.pupil_id)
        if address is None:
            raise NoAddress(f"no parent address for pupil {payload.pupil_id}")
        template, context = _about_the_registration(payload)
        language = templates.language_for(template, address.language)
        context = {**context, "username": address.username}
        if isinstance(payload, RegistrationSubmitted):
            context["submitted_on"] = format_date(payload.submitted_at, format="long", locale=language)
        if isinstance(payload, ReminderDue):
            context["closes_at"] = _moment(payload.closes_at, language)
            context["closes_at_en"] = _moment(payload.closes_at, "en")
        if isinstance(payload, RegistrationEndedBySchool):
            school = await recipients.school_address(payload.school_brin)
            context["school"] = school.name if school else payload.school_brin
        reference = payload.pupil_id if isinstance(payload, ReminderDue) else payload.registration_id
        return MailRequest(template, reference, address.recipient, language, context, payload.pupil_id)
    if isinstance(payload, InformationRequested | InformationAnswered):
        return await _between_schools(payload, templates, recipients)
    return mail_for(payload, templates, links)


async def _between_schools(
    payload: InformationRequested | InformationAnswered, templates: MailTemplates, recipients: Recipients
) -> MailRequest:
    """A question to the primary school (`to_school_brin`), or its answer to the school that asked
    (`from_school_brin`): it says which school, not what nor about whom."""
    asked = isinstance(payload, InformationRequested)
    if asked:
        recipient, other = payload.to_school_brin, payload.from_school_brin
    else:
        recipient, other = payload.from_school_brin, payload.to_school_brin
    address = await recipients.school_address(recipient)
    if address is None or address.recipient is None:
        raise NoAddress(f"no contact address for school {recipient}")
    known = await recipients.school_address(other)
    template = QUESTION_TEMPLATE if asked else ANSWER_TEMPLATE
    context = {"school_name": address.name, "other_school": known.name if known else None, "other_brin": other}
    language = templates.language_for(template, "nl")  # schools read Dutch; the English line is in the mail
    return MailRequest(template, payload.request_id, address.recipient, language, context, payload.pupil_id)


def _about_the_registration(payload: EventPayload) -> tuple[str, dict[str, Any]]:
    if isinstance(payload, RegistrationSubmitted):
        return CONFIRMATION_TEMPLATE, {}
    if isinstance(payload, PriorityClaimDecided):
        dutch, english = PRIORITY_KINDS.get(payload.kind, (payload.kind, payload.kind))
        return PRIORITY_TEMPLATE, {"granted": payload.granted, "kind": dutch, "kind_en": english}
    if isinstance(payload, ReminderDue):
        return REMINDER_TEMPLATE, {"in_progress": payload.progress == "in_progress"}
    if isinstance(payload, RegistrationEndedBySchool):
        return ENDED_TEMPLATE, {"support_needs": payload.support_needs}
    assert isinstance(payload, PlacementPublished)
    return PUBLISHED_TEMPLATE, {"placed": payload.placed}


def _moment(at: Any, language: str) -> str:
    return format_datetime(at, format="d MMMM y, HH:mm", tzinfo=TIME_ZONE, locale=language)


def mail_for(payload: EventPayload, templates: MailTemplates, links: LinkSealer) -> MailRequest:
    """The mail an event that names its recipient asks for."""
    if isinstance(payload, ActivationIssued | ActivationIssuedV1):
        language = templates.language_for(ACTIVATION_TEMPLATE, payload.language)
        context: dict[str, Any] = {
            "activation_url": _link(payload, links),
            "username": payload.username,
            "expires_on": format_date(payload.expires_at, format="long", locale=language),
        }
        return MailRequest(
            ACTIVATION_TEMPLATE, payload.account_id, payload.recipient, language, context, payload.pupil_id
        )
    if isinstance(payload, InvitationIssued | InvitationIssuedV1):
        language = templates.language_for(INVITATION_TEMPLATE, payload.language)
        context = {
            "invitation_url": _link(payload, links),
            "username": payload.username,
            "role": payload.role,
            "school_brin": payload.school_brin,
            "board": payload.board,
            "expires_on": format_date(payload.expires_at, format="long", locale=language),
        }
        return MailRequest(INVITATION_TEMPLATE, payload.account_id, payload.recipient, language, context)
    if isinstance(payload, PasswordResetIssued | PasswordResetIssuedV1):
        language = templates.language_for(RESET_TEMPLATE, payload.language)
        context = {
            "reset_url": _link(payload, links),
            "username": payload.username,
            "expires_at": format_datetime(payload.expires_at, format="short", tzinfo=TIME_ZONE, locale=language),
        }
        return MailRequest(RESET_TEMPLATE, payload.account_id, payload.recipient, language, context)
    raise TypeError(f"no mail for {type(payload).__name__}")


def _link(payload: Any, links: LinkSealer) -> str:
    """The link of one of identity's link events, opened for the mail (a v1 event's is in clear)."""
    if isinstance(payload, ActivationIssued):
        return links.open(payload.sealed_activation_url, payload.event_type, payload.account_id)
    if isinstance(payload, InvitationIssued):
        return links.open(payload.sealed_invitation_url, payload.event_type, payload.account_id)
    if isinstance(payload, PasswordResetIssued):
        return links.open(payload.sealed_reset_url, payload.event_type, payload.account_id)
    if isinstance(payload, ActivationIssuedV1):
        return str(payload.activation_url)
    if isinstance(payload, InvitationIssuedV1):
        return str(payload.invitation_url)
    assert isinstance(payload, PasswordResetIssuedV1)
    return str(payload.reset_url)
