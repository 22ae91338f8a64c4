"""What aanmelding knows of the pupils (`pupil_eligibility`), filled from dossier's events."""

from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import PupilEligibility
from loket.aanmelding.persistence.rows import make_row


class PupilRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, pupil: PupilEligibility) -> None:
        self.session.add(pupil)

    async def get(self, pupil_id: UUID) -> PupilEligibility | None:
        return await self.session.get(PupilEligibility, pupil_id)

    async def locked(self, pupil_id: UUID, school_brin: str) -> PupilEligibility:
        """The pupil's row, made if it is new, and locked: a pupil's events may be handled at the same moment
        (the ELK number and the final advice come close together), and the second must wait for the first
        rather than fail on the same new row."""
        await make_row(self.session, PupilEligibility, {"pupil_id": pupil_id}, school_brin=school_brin)
        pupil = await self.session.get(PupilEligibility, pupil_id, with_for_update=True, populate_existing=True)
        assert pupil is not None
        return pupil

    async def at_school(
        self,
        brin: str,
        *,
        groups: Iterable[str] = (),
        group: str | None = None,
        only: Sequence[UUID] | None = None,
    ) -> list[PupilEligibility]:
        """The school's pupils (of these `groups` when any are given; of `group`; only these)."""
        query = select(PupilEligibility).where(PupilEligibility.school_brin == brin)
        if limited := list(groups):
            query = query.where(col(PupilEligibility.group_name).in_(limited))
        if group is not None:
            query = query.where(PupilEligibility.group_name == group)
        if only is not None:
            query = query.where(col(PupilEligibility.pupil_id).in_(only))
        return list((await self.session.exec(query)).all())

    async def everyone(self) -> list[PupilEligibility]:
        return list((await self.session.exec(select(PupilEligibility))).all())

    async def elk_number_known(self, elk_number: str) -> bool:
        query = select(PupilEligibility.pupil_id).where(PupilEligibility.elk_number == elk_number)
        return (await self.session.exec(query)).first() is not None

    async def elk_numbers(self, pupil_ids: Iterable[UUID]) -> dict[UUID, str | None]:
        """The pupils' ELK numbers."""
        query = select(PupilEligibility.pupil_id, PupilEligibility.elk_number)
        rows = (await self.session.exec(query.where(col(PupilEligibility.pupil_id).in_(list(pupil_ids))))).all()
        return dict(rows)
