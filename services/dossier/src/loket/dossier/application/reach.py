"""The one door to a pupil, and the audit of every read by staff.

`reached` answers `NotFound` for a pupil that does not exist and for one the caller does not see alike.
Only where a use case lets a secondary school read (`as_secondary`) does it let in the staff of a
secondary school the pupil is registered with (`Reached.secondary`). `written` is the door for a
change to the dossier: the primary school's own staff only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from loket.contracts.errors import Forbidden, NotFound
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.application import Uow
from loket.dossier.domain.access import Caller, PupilRef
from loket.dossier.domain.audit import AuditAction
from loket.dossier.persistence.models import ParentLogin, Pupil
from loket.dossier.persistence.repository import Pupils


@dataclass(frozen=True)
class Reached:
    pupil: Pupil
    ref: PupilRef
    bsn: str | None = None  # opened only for the pupil's own school
    parent_logins: tuple[ParentLogin, ...] = ()  # the dots, for the primary school's staff
    secondary: str | None = None  # the secondary school the caller reads as, the pupil registered there


async def reached(
    uow: Uow, caller: Caller, pupil_id: UUID, *, for_update: bool = False, as_secondary: bool = False
) -> Reached:
    pupils = Pupils(uow.session)
    found = await pupils.with_group(pupil_id, for_update=for_update)
    if found is None:
        raise NotFound("pupil not found")
    pupil, group = found
    ref = PupilRef(pupil.id, pupil.school_brin, group)
    if caller.sees_pupil(ref):
        return Reached(pupil, ref)
    if as_secondary:
        registered_at = await pupils.registered_at(pupil.id)
        if caller.reads_as_secondary(registered_at):
            return Reached(pupil, ref, secondary=caller.secondary_school(registered_at))
    raise NotFound("pupil not found")


async def written(uow: Uow, caller: Caller, pupil_id: UUID, refusal: str, *, for_update: bool = True) -> Reached:
    """A pupil whose dossier the caller writes: the primary school's own staff who see it (`refusal`:
    why anyone else who sees it may not)."""
    found = await reached(uow, caller, pupil_id, for_update=for_update)
    if not caller.writes_dossier(found.ref):
        raise Forbidden(refusal)
    return found


def read_by(
    uow: Uow, caller: Caller, found: Reached, action: AuditAction = AuditAction.DOSSIER_READ, **detail: Any
) -> None:
    """A read of the dossier: audited when staff read it (a parent reading its own child's is not), with
    the secondary school they read as."""
    if caller.is_staff:
        if found.secondary is not None:
            detail["secondary_school"] = found.secondary
        uow.audit.record(caller, action, found.pupil.id, **detail)


async def shown(uow: Uow, caller: Caller, found: Reached, vault: BsnVault) -> Reached:
    """The pupil as the caller may see it: the dots for the primary school's staff, the BSN for its own
    school only."""
    pupil = found.pupil
    dots = caller.is_staff and found.secondary is None
    logins = (await Pupils(uow.session).parent_logins([pupil.id]))[pupil.id] if dots else []
    sealed = pupil.bsn_sealed
    bsn = None if sealed is None or not caller.sees_bsn(found.ref) else vault.open(sealed, pupil.id)
    return Reached(pupil, found.ref, bsn, tuple(logins), found.secondary)
