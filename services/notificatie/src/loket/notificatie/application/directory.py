"""What notificatie keeps of other services' news to know whose school sees a message and where a
school's mail goes: which school registered each pupil (its school only: the parent's address and ELK
number are not kept), and a school's contact address as dossier last published it."""

from datetime import datetime
from typing import Any

from loket.contracts.events import PupilRegistered, SchoolContactChanged
from loket.contracts.runtime.unit_of_work import UnitOfWork
from loket.notificatie.persistence.recipients import Recipients


async def remember_the_pupils_school(uow: UnitOfWork[Any], registered: PupilRegistered) -> None:
    await Recipients(uow.session).remember_pupil(registered.pupil_id, registered.school_brin, uow.now)


async def remember_the_schools_address(uow: UnitOfWork[Any], changed: SchoolContactChanged, at: datetime) -> None:
    """`at`: when dossier recorded the change; an older change than the one kept changes nothing."""
    await Recipients(uow.session).remember_school(changed.school_brin, changed.school_name, changed.contact_email, at)
