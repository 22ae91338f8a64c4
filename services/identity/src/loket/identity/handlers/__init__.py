"""What identity does when other services' events arrive: each handler calls one use case in the
delivery's unit of work (the inbox row commits with it)."""

from loket.contracts.events import MessageFailed, MessageSent, ParentLoginRequested, PupilRegistered
from loket.contracts.inbox import Consumer
from loket.identity.application.mail_outcomes import MailOutcomes
from loket.identity.application.parent_logins import ParentLogins
from loket.identity.handlers.on_mail_outcome import on_mail_outcome
from loket.identity.handlers.on_parent_login_requested import on_parent_login_requested
from loket.identity.handlers.on_pupil_registered import on_pupil_registered


def register(consumer: Consumer, parent_logins: ParentLogins, mail_outcomes: MailOutcomes) -> None:
    consumer.on(PupilRegistered)(on_pupil_registered(parent_logins))
    consumer.on(ParentLoginRequested)(on_parent_login_requested(parent_logins))
    consumer.on(MessageSent)(on_mail_outcome(mail_outcomes))
    consumer.on(MessageFailed)(on_mail_outcome(mail_outcomes))
