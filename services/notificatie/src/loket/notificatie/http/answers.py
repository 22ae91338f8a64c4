"""What more than one route answers: the refusals every route may give, and a message's status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, Field

from loket.notificatie.domain.messages import MessageState

if TYPE_CHECKING:
    from loket.notificatie.persistence.models import Message

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token from identity."},
    403: {"description": "The caller reaches the school but may not see its messages here."},
    404: {"description": "No such school or pupil, or not one the caller reaches."},
}


class MessageStatus(BaseModel):
    id: UUID
    pupil_id: UUID
    template: str = Field(description="Which message, e.g. `parent_activation`.")
    state: MessageState = Field(
        description="`queued` (not accepted yet; it may be waiting for a retry), `sent`, `failed`."
    )
    recipient: str
    attempts: int
    server_reply: str | None = Field(description="The mail server's answer to the last attempt.")
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> MessageStatus:
        assert message.pupil_id is not None
        return cls(
            id=message.id,
            pupil_id=message.pupil_id,
            template=message.template,
            state=message.state,
            recipient=message.recipient,
            attempts=message.attempts,
            server_reply=message.server_reply,
            created_at=message.created_at,
            next_attempt_at=message.next_attempt_at,
            sent_at=message.sent_at,
            failed_at=message.failed_at,
        )
