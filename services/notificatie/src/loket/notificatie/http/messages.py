"""Delivery status over HTTP: a school's staff see how the messages about their pupils fared.

Each message shows its state (queued, sent, failed), the template, its times, the recipient's address,
the attempts and the mail server's last answer; nothing else (no link, no content). Who sees what:
`domain/access.py`.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.paths import Brin
from loket.contracts.tokens import Claims, TokenVerifier
from loket.notificatie.application.delivery_status import DeliveryStatus
from loket.notificatie.domain.messages import MessageState
from loket.notificatie.http.answers import REFUSALS, MessageStatus


class MessageList(BaseModel):
    messages: list[MessageStatus]


def messages_router(delivery_status: DeliveryStatus, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["messages"], responses=REFUSALS)
    caller = bearer(verifier)

    @router.get("/schools/{brin}/messages")
    async def school_messages(
        brin: Brin,
        claims: Annotated[Claims, Depends(caller)],
        state: Annotated[MessageState | None, Query(description="Only messages in this state.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> MessageList:
        """The messages about the school's pupils, newest first."""
        found = await delivery_status.of_school(claims, brin, state, limit)
        return MessageList(messages=[MessageStatus.of(message) for message in found])

    @router.get("/messages")
    async def pupil_messages(
        claims: Annotated[Claims, Depends(caller)],
        pupil: Annotated[UUID, Query(description="The pupil's id in dossier.")],
    ) -> MessageList:
        """The messages about one pupil, newest first."""
        found = await delivery_status.of_pupil(claims, pupil)
        return MessageList(messages=[MessageStatus.of(message) for message in found])

    return router
