"""Registering a pupil: the state change and its event commit together (outbox).

Registering mails nobody: the pupil gets its first parent's login, not sent yet (a white dot), and the
school sends it when it has checked the address (`parent_logins.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError

from loket.contracts.events import PupilGroupChanged, PupilRegistered
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.dossier.bsn import BsnVault
from loket.dossier.domain.parent_logins import Parent
from loket.dossier.domain.pupils import InvalidPupil, check_birth_date, check_bsn, next_elk_number, school_code
from loket.dossier.persistence.models import ParentLogin, Pupil
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils

ELK_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class NewPupil:
    given_name: str
    family_name: str
    birth_date: date
    school_brin: str
    parent_email: str
    group: str | None = None
    bsn: str | None = None


async def register_pupil(database: Database, outbox: Outbox, vault: BsnVault, new: NewPupil) -> Pupil:
    brin = school_code(new.school_brin)
    now = datetime.now(UTC)
    check_birth_date(new.birth_date, now.date())
    bsn = None if new.bsn is None else check_bsn(new.bsn)
    for attempt in range(ELK_NUMBER_ATTEMPTS):
        try:
            async with database.transaction() as session:
                pupils = Pupils(session)
                group_id = None
                if new.group is not None:
                    group = await Organisation(session).group_named(brin, new.group)
                    if group is None:
                        raise InvalidPupil("group", f"there is no group {new.group!r} at school {brin}")
                    group_id = group.id
                pupil = Pupil(
                    elk_number=next_elk_number(await pupils.highest_elk_number()),
                    given_name=new.given_name,
                    family_name=new.family_name,
                    birth_date=new.birth_date,
                    school_brin=brin,
                    group_id=group_id,
                    parent_email=new.parent_email,
                    parents=[{"email": new.parent_email}],
                    created_at=now,
                )
                if bsn is not None:
                    pupil.bsn_sealed = vault.seal(bsn, pupil.id)
                pupils.add(pupil)
                await session.flush()
                session.add(ParentLogin(pupil_id=pupil.id, parent=Parent.FIRST))
                await outbox.put(
                    session,
                    PupilRegistered(
                        pupil_id=pupil.id,
                        elk_number=pupil.elk_number,
                        school_brin=brin,
                        parent_email=new.parent_email,
                    ),
                )
                if new.group is not None:
                    await outbox.put(session, PupilGroupChanged(pupil_id=pupil.id, school_brin=brin, group=new.group))
        except IntegrityError:
            if attempt == ELK_NUMBER_ATTEMPTS - 1:
                raise
            continue  # another registration took the same ELK number at the same moment
        outbox.nudge()
        return pupil
    raise AssertionError("unreachable")
