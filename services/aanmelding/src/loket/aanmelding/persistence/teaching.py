"""Which pupils of a primary school a school user sees: a teacher of some groups only theirs.

The same rule as dossier's (`Caller.own_groups`): the groups the token names, with the groups dossier says
the user teaches (`dossier.group.teachers_changed.v1`); none of either, the whole school. A pupil's group
comes from `dossier.pupil.group_changed.v1`.
"""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import PupilEligibility, TeachingGroup
from loket.contracts.tokens import Claims, Role


async def own_groups(session: AsyncSession, claims: Claims, brin: str) -> frozenset[str]:
    """The groups a school user is limited to at `brin`; empty: not limited."""
    if claims.role != Role.SCHOOL_USER:
        return frozenset()
    groups = (await session.exec(select(TeachingGroup).where(TeachingGroup.school_brin == brin))).all()
    return frozenset(claims.scope.groups) | {group.group_name for group in groups if claims.sub in group.teachers}


async def sees_pupil(session: AsyncSession, claims: Claims, pupil: PupilEligibility) -> bool:
    """Whether a caller who reaches the pupil's school sees this pupil (a pupil in no group: only the
    school's users who are not limited to groups)."""
    limited = await own_groups(session, claims, pupil.school_brin)
    return not limited or pupil.group_name in limited
