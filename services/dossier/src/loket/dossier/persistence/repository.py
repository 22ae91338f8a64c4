from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.dossier.domain.pupils import OUTSIDE_REGION_PREFIX
from loket.dossier.persistence.models import Pupil


class Pupils:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def highest_elk_number(self) -> str | None:
        # ELK numbers are digits only, so the longest and then greatest string is the highest number
        number = col(Pupil.elk_number)
        own = ~number.startswith(OUTSIDE_REGION_PREFIX)
        query = select(number).where(own).order_by(func.length(number).desc(), number.desc()).limit(1)
        return (await self.session.exec(query)).first()

    def add(self, pupil: Pupil) -> None:
        self.session.add(pupil)
