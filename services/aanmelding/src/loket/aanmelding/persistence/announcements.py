"""The moments that were announced, each once."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import Announcement


class AnnouncementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, kind: str, round_code: str, moment: datetime, at: datetime) -> Announcement | None:
        """Record that the moment is being announced now; None when it was (or is being) announced already.
        Another announcer claiming the same moment at the same time waits for this one's transaction."""
        dialect = (await self.session.connection()).dialect.name
        new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Announcement)
        statement = (
            new.values(kind=kind, round_code=round_code, moment=moment, announced_at=at, events=0)
            .on_conflict_do_nothing(index_elements=["kind", "round_code", "moment"])
            .returning(col(Announcement.id))
        )
        claimed = (await self.session.execute(statement)).scalar_one_or_none()
        return None if claimed is None else await self.session.get(Announcement, claimed)
