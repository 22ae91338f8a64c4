"""Events identity publishes."""

from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field, HttpUrl

from loket.contracts.events.base import EventPayload, event


@event("identity.activation.issued", 1)
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
