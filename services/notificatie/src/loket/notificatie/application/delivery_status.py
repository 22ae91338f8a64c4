"""How the messages about a school's pupils fared, for the staff who reach the school
(`domain/access.py` says who sees what)."""

from typing import Any
from uuid import UUID

from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims
from loket.notificatie.domain.access import messages_of_pupil, messages_of_school
from loket.notificatie.domain.messages import MessageState
from loket.notificatie.persistence.messages import Messages
from loket.notificatie.persistence.models import Message
from loket.notificatie.persistence.recipients import Recipients


class DeliveryStatus:
    def __init__(self, work: Work[Any]) -> None:
        self.work = work

    async def of_school(self, claims: Claims, brin: str, state: MessageState | None, limit: int) -> list[Message]:
        """The messages about the school's pupils, newest first."""
        messages_of_school(claims, brin).enforce("school")
        async with self.work() as uow:
            return await Messages(uow.session).about_school(brin, state, limit)

    async def of_pupil(self, claims: Claims, pupil: UUID) -> list[Message]:
        """The messages about one pupil, newest first."""
        async with self.work() as uow:
            messages_of_pupil(claims, await Recipients(uow.session).school_of(pupil)).enforce("pupil")
            return await Messages(uow.session).about_pupil(pupil)
