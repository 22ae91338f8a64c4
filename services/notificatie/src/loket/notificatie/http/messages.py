"""Delivery status over HTTP: a school's staff see how the messages about their pupils fared.

Each message shows its state (queued, sent, failed), the template, its times, the recipient's address,
the attempts and the mail server's last answer; nothing else (no link, no content). Who sees what:
`domain/access.py`.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.domain.access import Verdict, messages_of_pupil, messages_of_school
from loket.notificatie.domain.messages import MessageState
from loket.notificatie.persistence.models import Message
from loket.notificatie.persistence.repository import Messages

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
    def of(cls, message: Message) -> "MessageStatus":
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


class MessageList(BaseModel):
    messages: list[MessageStatus]


def allow(verdict: Verdict, what: str) -> None:
    if verdict is Verdict.NOT_FOUND:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{what} not found")
    if verdict is Verdict.NOT_ALLOWED:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you may not see the messages of this {what}")


def messages_router(database: Database, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["messages"], responses=REFUSALS)
    caller = bearer(verifier)

    @router.get("/schools/{brin}/messages")
    async def school_messages(
        brin: str,
        claims: Annotated[Claims, Depends(caller)],
        state: Annotated[MessageState | None, Query(description="Only messages in this state.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> MessageList:
        """The messages about the school's pupils, newest first."""
        allow(messages_of_school(claims, brin), "school")
        async with database.transaction() as session:
            found = await Messages(session).about_school(brin, state, limit)
        return MessageList(messages=[MessageStatus.of(message) for message in found])

    @router.get("/messages")
    async def pupil_messages(
        claims: Annotated[Claims, Depends(caller)],
        pupil: Annotated[UUID, Query(description="The pupil's id in dossier.")],
    ) -> MessageList:
        """The messages about one pupil, newest first."""
        async with database.transaction() as session:
            messages = Messages(session)
            allow(messages_of_pupil(claims, await messages.school_of(pupil)), "pupil")
            found = await messages.about_pupil(pupil)
        return MessageList(messages=[MessageStatus.of(message) for message in found])

    return router
