"""Events identity publishes."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field, HttpUrl

from loket.contracts.events.base import EventPayload, event


@event("identity.activation.issued", 1, journaled=False)
class ActivationIssued(EventPayload):
    """A pending parent account got a single-use activation link, to be mailed to the parent.

    The link is a secret: it travels only to notificatie, which mails it and stores it nowhere.
    """

    account_id: UUID
    pupil_id: UUID
    username: str = Field(description="What the parent logs in with afterwards (the ELK number).")
    recipient: EmailStr
    activation_url: HttpUrl
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The parent's language where known (BCP 47).")


@event("identity.invitation.issued", 1, journaled=False)
class InvitationIssued(EventPayload):
    """A pending staff account got a single-use invitation link to set a password, to be mailed.

    The link is a secret: it travels only to notificatie, which mails it and stores it nowhere.
    """

    account_id: UUID
    username: str = Field(description="What the staff member logs in with: the e-mail address.")
    role: str = Field(description="The role the account was given, e.g. `school_admin`.")
    school_brin: str | None = Field(default=None, description="The school of a school role.")
    board: str | None = Field(default=None, description="The board of a board contact.")
    recipient: EmailStr
    invitation_url: HttpUrl
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The staff member's language (BCP 47).")


@event("identity.password_reset.issued", 1, journaled=False)
class PasswordResetIssued(EventPayload):
    """Someone asked to reset the password of an account that exists: a single-use link, to be mailed.

    The link is a secret: it travels only to notificatie, which mails it and stores it nowhere.
    """

    account_id: UUID
    username: str = Field(description="What the account logs in with: an e-mail address or an ELK number.")
    recipient: EmailStr
    reset_url: HttpUrl
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The account holder's language where known (BCP 47).")


@event("identity.parent_login.state_changed", 1)
class ParentLoginStateChanged(EventPayload):
    """How far one parent login of a pupil has got: the dot the primary school sees.

    `not_sent` (white), `sent` (blue: the mail server took the activation mail), `failed` (the mail
    could not be delivered), `activated` (green: the parent chose a password) and `locked` (too many
    wrong answers at activation: the school asks again for a new link). identity says `not_sent` for
    every parent login the region offers when a pupil is registered. Events may arrive out of order:
    keep the one with the highest `revision`.
    """

    pupil_id: UUID
    parent: Literal[1, 2] = Field(description="Which parent: 1 the first parent, 2 a second one.")
    state: Literal["not_sent", "sent", "failed", "activated", "locked"]
    revision: int = Field(ge=0, description="Counts up with every change of this parent login; 0 is its start.")
