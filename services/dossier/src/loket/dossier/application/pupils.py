"""Reading pupils and placing them in groups, each within the caller's reach (`reach.py`) and in one
unit of work. Every read of a pupil's dossier by staff is written to the audit trail in the same
transaction as the read."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from loket.contracts.errors import Forbidden, Invalid
from loket.contracts.events import PupilGroupChanged
from loket.contracts.runtime.paging import Paging
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.application import DossierWork
from loket.dossier.application.reach import Reached, reached, read_by, shown, written
from loket.dossier.domain.access import Caller, PupilRef
from loket.dossier.domain.audit import AuditAction
from loket.dossier.persistence.models import AuditEntry
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils


class Dossiers:
    def __init__(self, work: DossierWork, vault: BsnVault) -> None:
        self.work = work
        self.vault = vault

    async def pupils(
        self, caller: Caller, school: str | None, group: str | None, paging: Paging | None = None
    ) -> tuple[list[Reached], int]:
        """One page of the pupils the caller sees (all of them without a limit), and how many there are."""
        if not caller.is_staff:
            raise Forbidden("only staff list pupils")
        async with self.work() as uow:
            pupils = Pupils(uow.session)
            found, total = await pupils.page_in_reach(caller, paging or Paging(), school and school.upper(), group)
            logins = await pupils.parent_logins(pupil.id for pupil, _ in found)
            uow.audit.record(caller, AuditAction.PUPILS_LISTED, school=school, group=group, count=len(found))
        reached = [
            Reached(pupil, PupilRef(pupil.id, pupil.school_brin, name), parent_logins=tuple(logins[pupil.id]))
            for pupil, name in found
        ]
        return reached, total

    async def pupil(self, caller: Caller, pupil_id: UUID) -> Reached:
        """One pupil; also for a secondary school it is registered with (without the dots or the BSN)."""
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, as_secondary=True)
            read_by(uow, caller, found)
            return await shown(uow, caller, found, self.vault)

    async def place_in_group(self, caller: Caller, pupil_id: UUID, group_name: str | None) -> Reached:
        """The school's staff put a pupil in a group of its school (or in none); a teacher limited to
        some groups only into one of those, and never out of them."""
        async with self.work() as uow:
            found = await written(uow, caller, pupil_id, "only the school's own staff place its pupils in groups")
            limited_to = caller.own_groups(found.ref.school_brin)
            if limited_to and group_name not in limited_to:
                raise Forbidden("a teacher places pupils only in their own groups")
            group_id = None
            if group_name is not None:
                group = await Organisation(uow.session).group_named(found.ref.school_brin, group_name)
                if group is None:
                    raise Invalid("group", f"there is no group {group_name!r} at school {found.ref.school_brin}")
                group_id = group.id
            found.pupil.group_id = group_id
            pupils = Pupils(uow.session)
            pupils.add(found.pupil)
            uow.audit.record(caller, AuditAction.GROUP_CHANGED, pupil_id, group=group_name)
            await uow.emit(PupilGroupChanged(pupil_id=pupil_id, school_brin=found.ref.school_brin, group=group_name))
            logins = (await pupils.parent_logins([pupil_id]))[pupil_id]
        ref = PupilRef(found.pupil.id, found.pupil.school_brin, group_name)
        return Reached(found.pupil, ref, parent_logins=tuple(logins))

    async def audit_trail(self, caller: Caller, pupil_id: UUID) -> Sequence[AuditEntry]:
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id)
            if not caller.administers_pupil(found.ref):
                raise Forbidden("only administrators read a pupil's audit trail")
            return await uow.audit.about(pupil_id)
