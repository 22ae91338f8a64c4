"""Queries on messages and the pupils they are about."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.notificatie.domain.messages import MessageState
from loket.notificatie.persistence.models import Message, ParentAddress, Pupil, SchoolAddress


class Messages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def school_of(self, pupil_id: UUID) -> str | None:
        pupil = await self.session.get(Pupil, pupil_id)
        return pupil.school_brin if pupil else None

    async def schools_of(self, pupil_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Each known pupil's school, in one query (a batch of letters names hundreds)."""
        query = select(Pupil.id, Pupil.school_brin).where(col(Pupil.id).in_(list(pupil_ids)))
        return dict((await self.session.exec(query)).all())

    async def about_school(self, brin: str, state: MessageState | None, limit: int) -> list[Message]:
        query = select(Message).join(Pupil, col(Message.pupil_id) == col(Pupil.id)).where(Pupil.school_brin == brin)
        if state is not None:
            query = query.where(Message.state == state)
        query = query.order_by(col(Message.created_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())

    async def about_pupil(self, pupil_id: UUID) -> list[Message]:
        query = select(Message).where(Message.pupil_id == pupil_id).order_by(col(Message.created_at).desc())
        return list((await self.session.exec(query)).all())

    async def remember_parent_address(
        self, pupil_id: UUID, recipient: str, username: str, language: str, now: datetime
    ) -> None:
        address = await self.session.get(ParentAddress, pupil_id)
        if address is None:
            self.session.add(
                ParentAddress(
                    pupil_id=pupil_id, recipient=recipient, username=username, language=language, updated_at=now
                )
            )
            return
        address.recipient, address.username, address.language, address.updated_at = recipient, username, language, now
        self.session.add(address)

    async def remember_pupil(self, pupil_id: UUID, school_brin: str, now: datetime) -> None:
        pupil = await self.session.get(Pupil, pupil_id)
        if pupil is None:
            self.session.add(Pupil(id=pupil_id, school_brin=school_brin, registered_at=now))
        else:
            pupil.school_brin = school_brin

    async def remember_school(self, brin: str, name: str, recipient: str | None, changed_at: datetime) -> None:
        """A school's contact as dossier last changed it: an older event than the one kept changes nothing."""
        school = await self.session.get(SchoolAddress, brin)
        if school is None:
            self.session.add(SchoolAddress(school_brin=brin, name=name, recipient=recipient, changed_at=changed_at))
        elif changed_at > school.changed_at:
            school.name, school.recipient, school.changed_at = name, recipient, changed_at
            self.session.add(school)
