"""Reading pupils and placing them in groups, each within the caller's reach and in one transaction.

`reached` is the one door to a pupil: it answers `NotFound` for a pupil that does not exist and for
one the caller does not see alike. Only where a route lets a secondary school read (`as_secondary`)
does it let in the staff of a secondary school the pupil is registered with (`Reached.secondary`).
Every read of a pupil's dossier by staff is written to the audit trail in the same transaction as the
read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import PupilGroupChanged
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.runtime.paging import Paging
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.domain.access import Caller, PupilRef
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.errors import Invalid, NotAllowed, NotFound
from loket.dossier.persistence.audit import AuditTrail
from loket.dossier.persistence.models import AuditEntry, ParentLogin, Pupil
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils


@dataclass(frozen=True)
class Reached:
    pupil: Pupil
    ref: PupilRef
    bsn: str | None = None  # opened only for the pupil's own school
    parent_logins: tuple[ParentLogin, ...] = ()  # the dots, for the primary school's staff
    secondary: str | None = None  # the secondary school the caller reads as, the pupil registered there


async def reached(
    session: AsyncSession, caller: Caller, pupil_id: UUID, *, for_update: bool = False, as_secondary: bool = False
) -> Reached:
    found = await Pupils(session).with_group(pupil_id, for_update=for_update)
    if found is None:
        raise NotFound("pupil")
    pupil, group = found
    ref = PupilRef(pupil.id, pupil.school_brin, group)
    if caller.sees_pupil(ref):
        return Reached(pupil, ref)
    if as_secondary:
        registered_at = await Pupils(session).registered_at(pupil.id)
        if caller.reads_as_secondary(registered_at):
            return Reached(pupil, ref, secondary=caller.secondary_school(registered_at))
    raise NotFound("pupil")


def read_by(session: AsyncSession, caller: Caller, found: Reached, **detail: str) -> None:
    """A read of the dossier: audited when staff read it (a parent reading its own child's is not)."""
    if caller.is_staff:
        if found.secondary is not None:
            detail["secondary_school"] = found.secondary
        AuditTrail(session).record(caller, AuditAction.DOSSIER_READ, found.pupil.id, **detail)


class Dossiers:
    def __init__(self, database: Database, vault: BsnVault, outbox: Outbox) -> None:
        self.database = database
        self.vault = vault
        self.outbox = outbox

    async def pupils(
        self, caller: Caller, school: str | None, group: str | None, paging: Paging | None = None
    ) -> tuple[list[Reached], int]:
        """One page of the pupils the caller sees (all of them without a limit), and how many there are."""
        if not caller.is_staff:
            raise NotAllowed("only staff list pupils")
        async with self.database.transaction() as session:
            pupils = Pupils(session)
            found, total = await pupils.page_in_reach(caller, paging or Paging(), school and school.upper(), group)
            logins = await pupils.parent_logins(pupil.id for pupil, _ in found)
            AuditTrail(session).record(caller, AuditAction.PUPILS_LISTED, school=school, group=group, count=len(found))
        reached = [
            Reached(pupil, PupilRef(pupil.id, pupil.school_brin, name), parent_logins=tuple(logins[pupil.id]))
            for pupil, name in found
        ]
        return reached, total

    async def pupil(self, caller: Caller, pupil_id: UUID, *, audited: bool = True) -> Reached:
        """One pupil; also for a secondary school it is registered with (without the dots or the BSN)."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, as_secondary=True)
            if audited:
                read_by(session, caller, found)
            dots = caller.is_staff and found.secondary is None
            logins = (await Pupils(session).parent_logins([pupil_id]))[pupil_id] if dots else []
        sealed = found.pupil.bsn_sealed
        bsn = None if sealed is None or not caller.sees_bsn(found.ref) else self.vault.open(sealed, found.pupil.id)
        return Reached(found.pupil, found.ref, bsn, tuple(logins), found.secondary)

    async def place_in_group(self, caller: Caller, pupil_id: UUID, group_name: str | None) -> Reached:
        """The school's staff put a pupil in a group of its school (or in none); a teacher limited to
        some groups only into one of those, and never out of them."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, for_update=True)
            if not caller.writes_dossier(found.ref):
                raise NotAllowed("only the school's own staff place its pupils in groups")
            limited_to = caller.own_groups(found.ref.school_brin)
            if limited_to and group_name not in limited_to:
                raise NotAllowed("a teacher places pupils only in their own groups")
            group_id = None
            if group_name is not None:
                group = await Organisation(session).group_named(found.ref.school_brin, group_name)
                if group is None:
                    raise Invalid("group", f"there is no group {group_name!r} at school {found.ref.school_brin}")
                group_id = group.id
            found.pupil.group_id = group_id
            session.add(found.pupil)
            AuditTrail(session).record(caller, AuditAction.GROUP_CHANGED, pupil_id, group=group_name)
            grouped = PupilGroupChanged(pupil_id=pupil_id, school_brin=found.ref.school_brin, group=group_name)
            await self.outbox.put(session, grouped)
            logins = (await Pupils(session).parent_logins([pupil_id]))[pupil_id]
        self.outbox.nudge()
        ref = PupilRef(found.pupil.id, found.pupil.school_brin, group_name)
        return Reached(found.pupil, ref, parent_logins=tuple(logins))

    async def audit_trail(self, caller: Caller, pupil_id: UUID) -> Sequence[AuditEntry]:
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id)
            if not caller.administers_pupil(found.ref):
                raise NotAllowed("only administrators read a pupil's audit trail")
            return await AuditTrail(session).about(pupil_id)
