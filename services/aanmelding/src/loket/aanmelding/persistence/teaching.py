"""Which pupils of a primary school a school user sees: a teacher of some groups only theirs.

The same rule as dossier's (`Caller.own_groups`): the groups the token names, with the groups dossier says
the user teaches (`dossier.group.teachers_changed.v1`); none of either, the whole school. A pupil's group
comes from `dossier.pupil.group_changed.v1`.
"""

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import PupilEligibility, TeachingGroup
from loket.aanmelding.persistence.rows import make_row
from loket.contracts.tokens import Claims, Role


class TeachingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, group: TeachingGroup) -> None:
        self.session.add(group)

    async def own_groups(self, claims: Claims, brin: str) -> frozenset[str]:
        """The groups a school user is limited to at `brin`; empty: not limited."""
        if claims.role != Role.SCHOOL_USER:
            return frozenset()
        query = select(TeachingGroup).where(TeachingGroup.school_brin == brin)
        groups = (await self.session.exec(query)).all()
        return frozenset(claims.scope.groups) | {group.group_name for group in groups if claims.sub in group.teachers}

    async def sees_pupil(self, claims: Claims, pupil: PupilEligibility) -> bool:
        """Whether a caller who reaches the pupil's school sees this pupil (a pupil in no group: only the
        school's users who are not limited to groups)."""
        limited = await self.own_groups(claims, pupil.school_brin)
        return not limited or pupil.group_name in limited

    async def locked(self, school_brin: str, group_name: str) -> TeachingGroup:
        """The group's row, made (without teachers) if it is new, and locked, as `PupilRepository.locked`."""
        key = {"school_brin": school_brin, "group_name": group_name}
        await make_row(self.session, TeachingGroup, key, teachers=[], changed_at=datetime.min.replace(tzinfo=UTC))
        group = await self.session.get(TeachingGroup, key, with_for_update=True, populate_existing=True)
        assert group is not None
        return group
