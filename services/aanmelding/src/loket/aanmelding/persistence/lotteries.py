"""The rounds' lotteries and where they placed registrations; the newest applied lottery of a round is
the one that counts."""

from collections.abc import Iterable
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import Lottery, Placement, Registration


class LotteryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, lottery: Lottery) -> None:
        self.session.add(lottery)

    def add_placement(self, placement: Placement) -> None:
        self.session.add(placement)

    async def get(self, lottery_id: UUID, *, lock: bool = False) -> Lottery | None:
        return await self.session.get(Lottery, lottery_id, with_for_update=lock)

    async def waiting_for(self, commitment_sha256: str) -> list[Lottery]:
        """The lotteries of this market whose result is not applied yet, locked: a result posted by hand at
        the same moment waits."""
        query = select(Lottery).where(Lottery.commitment_sha256 == commitment_sha256, col(Lottery.applied_at).is_(None))
        return list((await self.session.exec(query.with_for_update())).all())

    async def of_round(self, round_code: str) -> list[Lottery]:
        """The round's lotteries, the last taken first."""
        query = select(Lottery).where(Lottery.round_code == round_code).order_by(col(Lottery.taken_at).desc())
        return list((await self.session.exec(query)).all())

    async def newest_applied(self, round_code: str) -> Lottery | None:
        query = select(Lottery).where(Lottery.round_code == round_code, col(Lottery.applied_at).is_not(None))
        return (await self.session.exec(query.order_by(col(Lottery.applied_at).desc()))).first()

    async def placements(self, registration_ids: Iterable[UUID]) -> dict[UUID, Placement]:
        """Each registration's placement by the newest applied lottery of its round."""
        query = (
            select(Placement, Lottery)
            .join(Lottery, col(Lottery.id) == col(Placement.lottery_id))
            .where(col(Placement.registration_id).in_(list(registration_ids)), col(Lottery.applied_at).is_not(None))
            .order_by(col(Lottery.applied_at))
        )
        return {placement.registration_id: placement for placement, _ in (await self.session.exec(query)).all()}

    async def placed_at(self, programs: Iterable[str]) -> list[UUID]:
        """The registrations whose newest applied lottery placed them at one of these programs."""
        query = (
            select(Placement, Lottery)
            .join(Lottery, col(Lottery.id) == col(Placement.lottery_id))
            .where(col(Lottery.applied_at).is_not(None))
            .order_by(col(Lottery.applied_at))
        )
        newest = {placement.registration_id: placement for placement, _ in (await self.session.exec(query)).all()}
        wanted = set(programs)
        return [registration for registration, placement in newest.items() if placement.program in wanted]

    async def newest_placement(self, registration_ids: Iterable[UUID]) -> tuple[Placement, Lottery] | None:
        """The placement of one of these registrations by the newest applied lottery, with that lottery."""
        query = (
            select(Placement, Lottery)
            .join(Lottery, col(Lottery.id) == col(Placement.lottery_id))
            .where(col(Placement.registration_id).in_(list(registration_ids)), col(Lottery.applied_at).is_not(None))
            .order_by(col(Lottery.applied_at).desc())
            .limit(1)
        )
        newest = (await self.session.exec(query)).first()
        return None if newest is None else (newest[0], newest[1])

    async def placed_by(self, lottery_id: UUID) -> list[tuple[Placement, Registration]]:
        """Every registration the lottery placed, or left unplaced, with its placement."""
        query = (
            select(Placement, Registration)
            .join(Registration, col(Registration.id) == col(Placement.registration_id))
            .where(Placement.lottery_id == lottery_id)
        )
        return [(placement, registration) for placement, registration in (await self.session.exec(query)).all()]
