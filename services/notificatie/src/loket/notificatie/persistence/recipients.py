"""Who gets mail and whose school sees it: the first parent's address, a school's contact, and which school
registered each pupil, as other services' events told notificatie."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.notificatie.persistence.models import ParentAddress, Pupil, SchoolAddress


class Recipients:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def school_of(self, pupil_id: UUID) -> str | None:
        pupil = await self.session.get(Pupil, pupil_id)
        return pupil.school_brin if pupil else None

    async def schools_of(self, pupil_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Each known pupil's school, in one query (a batch of letters names hundreds)."""
        query = select(Pupil.id, Pupil.school_brin).where(col(Pupil.id).in_(list(pupil_ids)))
        return dict((await self.session.exec(query)).all())

    async def parent_address(self, pupil_id: UUID) -> ParentAddress | None:
        return await self.session.get(ParentAddress, pupil_id)

    async def school_address(self, brin: str) -> SchoolAddress | None:
        return await self.session.get(SchoolAddress, brin)

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
