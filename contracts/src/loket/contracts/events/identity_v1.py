"""identity's link events as they were before the links were sealed (v1: the link in clear).

identity no longer publishes them; notificatie still mails one that was in flight at the upgrade (in
identity's outbox, on the bus, or waiting for a retry). Remove them, with notificatie's handlers, in the
release after the one that sealed the links: by then every v1 link has expired (14 days at most).
"""

from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field, HttpUrl

from loket.contracts.events.base import EventPayload, event


@event("identity.activation.issued", 1, journaled=False)
class ActivationIssuedV1(EventPayload):
    """Superseded by v2 (the link sealed): a parent's activation link in clear, from before the upgrade."""

    account_id: UUID
    pupil_id: UUID
    username: str = Field(description="What the parent logs in with afterwards (the ELK number).")
    recipient: EmailStr
    activation_url: HttpUrl
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The parent's language where known (BCP 47).")


@event("identity.invitation.issued", 1, journaled=False)
class InvitationIssuedV1(EventPayload):
    """Superseded by v2 (the link sealed): a staff member's invitation link in clear, from before the upgrade."""

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
class PasswordResetIssuedV1(EventPayload):
    """Superseded by v2 (the link sealed): a password reset link in clear, from before the upgrade."""

    account_id: UUID
    username: str = Field(description="What the account logs in with: an e-mail address or an ELK number.")
    recipient: EmailStr
    reset_url: HttpUrl
    expires_at: AwareDatetime
    language: str = Field(default="nl", description="The account holder's language where known (BCP 47).")
