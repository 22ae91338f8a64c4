"""Events identity publishes."""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field

from loket.contracts.events.base import EventPayload, event

LINK_KEY = "LOKET_LINK_KEY"

SealedLink = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]+$",
        description=f"The link, sealed with {LINK_KEY} (AES-256-GCM, bound to the event type and the account id; "
        "base64url, `loket.contracts.runtime.link_sealing`). Only notificatie has the key and opens it, to write "
        "the mail.",
    ),
]


@event("identity.activation.issued", 2, journaled=False)
class ActivationIssued(EventPayload):
    """A pending parent account got a single-use activation link, to be mailed to the parent.

    The link is a secret: sealed in the event, opened only by notificatie to write the mail; stored
    readable nowhere. v2 replaced v1's `activation_url` in clear.
    """

    account_id: UUID
    pupil_id: UUID
    username: str = Field(description="What the parent logs in with afterwards (the ELK number).")
    recipient: EmailStr
    sealed_activation_url: SealedLink
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The parent's language where known (BCP 47).")


@event("identity.invitation.issued", 2, journaled=False)
class InvitationIssued(EventPayload):
    """A pending staff account got a single-use invitation link to set a password, to be mailed.

    The link is a secret: sealed in the event, opened only by notificatie to write the mail; stored
    readable nowhere. v2 replaced v1's `invitation_url` in clear.
    """

    account_id: UUID
    username: str = Field(description="What the staff member logs in with: the e-mail address.")
    role: str = Field(description="The role the account was given, e.g. `school_admin`.")
    school_brin: str | None = Field(default=None, description="The school of a school role.")
    board: str | None = Field(default=None, description="The board of a board contact.")
    recipient: EmailStr
    sealed_invitation_url: SealedLink
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The staff member's language (BCP 47).")


@event("identity.password_reset.issued", 2, journaled=False)
class PasswordResetIssued(EventPayload):
    """Someone asked to reset the password of an account that exists: a single-use link, to be mailed.

    The link is a secret: sealed in the event, opened only by notificatie to write the mail; stored
    readable nowhere. v2 replaced v1's `reset_url` in clear.
    """

    account_id: UUID
    username: str = Field(description="What the account logs in with: an e-mail address or an ELK number.")
    recipient: EmailStr
    sealed_reset_url: SealedLink
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
