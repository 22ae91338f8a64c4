"""Events notificatie publishes: the fate of every message, so the service that asked can show it."""

from uuid import UUID

from pydantic import Field

from loket.contracts.events.base import EventPayload, event


class MessageOutcome(EventPayload):
    message_id: UUID
    template: str = Field(description="Which message this was, e.g. `parent_activation`.")
    reference: UUID = Field(description="The object the message is about, in the asking service's terms.")
    requested_by: UUID = Field(description="The event id that asked for the message.")


@event("notificatie.message.sent", 1, journaled=False)
class MessageSent(MessageOutcome):
    """The mail server accepted the message."""

    server_reply: str = Field(description="The SMTP server's final answer, e.g. `250 OK`.")


@event("notificatie.message.failed", 1, journaled=False)
class MessageFailed(MessageOutcome):
    """The message could not be delivered and will not be tried again."""

    reason: str = Field(description="Why: the SMTP server's answer or the error, for the school to act on.")
