"""Where the lotteries placed registrations."""

from collections.abc import Iterable
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import Lottery, Placement


async def placements(session: AsyncSession, registration_ids: Iterable[UUID]) -> dict[UUID, Placement]:
    """Each registration's placement by the newest applied lottery of its round."""
    query = (
        select(Placement, Lottery)
        .join(Lottery, col(Lottery.id) == col(Placement.lottery_id))
        .where(col(Placement.registration_id).in_(list(registration_ids)), col(Lottery.applied_at).is_not(None))
        .order_by(col(Lottery.applied_at))
    )
    return {placement.registration_id: placement for placement, _ in (await session.exec(query)).all()}


async def placed_at(session: AsyncSession, programs: Iterable[str]) -> list[UUID]:
    """The registrations whose newest applied lottery placed them at one of these programs."""
    query = (
        select(Placement, Lottery)
        .join(Lottery, col(Lottery.id) == col(Placement.lottery_id))
        .where(col(Lottery.applied_at).is_not(None))
        .order_by(col(Lottery.applied_at))
    )
    newest = {placement.registration_id: placement for placement, _ in (await session.exec(query)).all()}
    wanted = set(programs)
    return [registration for registration, placement in newest.items() if placement.program in wanted]
