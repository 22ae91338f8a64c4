"""A pupil's parent logins as the primary school sees them, free of any framework.

The school sends a parent the login ("ouderinlog versturen") for one pupil, after checking the
address, or for a whole group at once; registering a pupil mails nobody. identity owns the account and says how
far each login got; dossier shows it as ELK shows its dots: not sent (white), sent (blue), activated
(green), and failed (the mail did not arrive) or locked (too many wrong answers at activation). Every
pupil has its first parent's login; a second parent's only where identity offers one (the region's
choice, `LOKET_IDENTITY_SECOND_PARENT`). Asking again replaces a link that was not used; an activated
login is not sent again: its parent logs in, or asks for a new password by mail.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from loket.contracts.errors import Conflict


class LoginState(StrEnum):
    NOT_SENT = "not_sent"  # white
    SENT = "sent"  # blue
    FAILED = "failed"  # the mail could not be delivered: check the address, and send again
    ACTIVATED = "activated"  # green
    LOCKED = "locked"  # too many wrong answers: send again


class Parent(IntEnum):
    FIRST = 1
    SECOND = 2


def check_may_send(parent: Parent, state: LoginState | None) -> None:
    """`state` is None when identity offered no such login for the pupil."""
    if state is None:
        raise Conflict(
            "deze regio geeft één ouderinlog per leerling / this region gives one parent login per pupil"
            if parent is Parent.SECOND
            else "this pupil has no such parent login"
        )
    if state is LoginState.ACTIVATED:
        raise Conflict(
            "de ouder heeft deze inlog al geactiveerd; een vergeten wachtwoord vraagt de ouder zelf aan met "
            "'wachtwoord vergeten' / the parent has activated this login already; a forgotten password is "
            "reset by the parent with 'forgot password'"
        )


class GroupOutcome(StrEnum):
    """What sending a group's parent logins did for one pupil."""

    SENT = "sent"
    ALREADY_SENT = "already_sent"  # sent before and not used yet: sent again only when asked
    ALREADY_ACTIVATED = "already_activated"
    NO_EMAIL_ADDRESS = "no_email_address"


def group_outcome(address: str | None, state: LoginState, again: bool) -> GroupOutcome:
    """For the first parent of one pupil of the group: send, or say why not."""
    if state is LoginState.ACTIVATED:
        return GroupOutcome.ALREADY_ACTIVATED
    if not (address or "").strip():
        return GroupOutcome.NO_EMAIL_ADDRESS
    if state is LoginState.SENT and not again:
        return GroupOutcome.ALREADY_SENT
    return GroupOutcome.SENT
