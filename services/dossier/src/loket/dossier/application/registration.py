"""Registering a pupil: the state change and its event commit together (outbox).

Registering mails nobody: the pupil gets its first parent's login, not sent yet (a white dot), and the
school sends it when it has checked the address (`parent_logins.py`).

A buitenleerling, a pupil from a primary school outside the region, is registered by the region: a `B`
number, the school of origin (its BRIN, which is no school of the region, and its name) and the final
advice as the parents showed it, which opens registration at once; such a pupil has no OKI-doc.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loket.contracts.errors import Forbidden
from loket.contracts.events import FinalAdviceGiven, PupilGroupChanged, PupilRegistered
from loket.contracts.tokens import Role
from loket.dossier.adapters.bsn import BsnVault
from loket.dossier.application import DossierWork
from loket.dossier.domain.access import Caller
from loket.dossier.domain.advice import Advice
from loket.dossier.domain.parent_logins import Parent
from loket.dossier.domain.pupils import (
    InvalidPupil,
    check_birth_date,
    check_bsn,
    next_elk_number,
    next_external_number,
    school_code,
)
from loket.dossier.persistence.errors import Duplicate
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
    external: External | None = None


@dataclass(frozen=True)
class External:
    """A buitenleerling's school of origin (its name; `NewPupil.school_brin` is its BRIN) and final advice."""

    school_name: str
    final_advice: str


class Registration:
    def __init__(self, work: DossierWork, vault: BsnVault) -> None:
        self.work = work
        self.vault = vault

    async def register(self, caller: Caller, new: NewPupil) -> Pupil:
        """A primary school's staff register a pupil of their own school (a region administrator: any); a
        teacher limited to some groups only into one of those."""
        school = school_code(new.school_brin)
        if not caller.registers_at(school):
            raise Forbidden(f"you may not register pupils at school {school}")
        limited_to = caller.own_groups(school)
        if new.group is not None and limited_to and new.group not in limited_to:
            raise Forbidden("a teacher registers pupils only in their own groups")
        return await self._register(new)

    async def register_external(self, caller: Caller, new: NewPupil) -> Pupil:
        """The region registers a buitenleerling."""
        if caller.role is not Role.REGION_ADMIN:
            raise Forbidden("the region registers pupils from outside the region")
        return await self._register(new)

    async def _register(self, new: NewPupil) -> Pupil:
        brin = school_code(new.school_brin)
        check_birth_date(new.birth_date, self.work.clock().date())
        bsn = None if new.bsn is None else check_bsn(new.bsn)
        advice = None if new.external is None else Advice.parse(new.external.final_advice, "final_advice")
        if new.external is not None and not new.external.school_name.strip():
            raise InvalidPupil("school_name", "the name of the school of origin: the parent is asked it at activation")
        for attempt in range(ELK_NUMBER_ATTEMPTS):
            try:
                async with self.work() as uow:
                    pupils, organisation = Pupils(uow.session), Organisation(uow.session)
                    if new.external is not None and await organisation.school(brin) is not None:
                        reason = f"{brin} is a school of this region: its own staff register the pupil"
                        raise InvalidPupil("school_brin", reason)
                    group_id = None
                    if new.group is not None:
                        group = await organisation.group_named(brin, new.group)
                        if group is None:
                            raise InvalidPupil("group", f"there is no group {new.group!r} at school {brin}")
                        group_id = group.id
                    highest = await pupils.highest_elk_number(external=new.external is not None)
                    pupil = Pupil(
                        elk_number=next_elk_number(highest) if new.external is None else next_external_number(highest),
                        given_name=new.given_name,
                        family_name=new.family_name,
                        birth_date=new.birth_date,
                        school_brin=brin,
                        group_id=group_id,
                        parent_email=new.parent_email,
                        parents=[{"email": new.parent_email}],
                        created_at=uow.now,
                    )
                    if new.external is not None and advice is not None:
                        pupil.external = {
                            "school_name": new.external.school_name.strip(),
                            "final_advice": advice.code,
                        }
                    if bsn is not None:
                        pupil.bsn_sealed = self.vault.seal(bsn, pupil.id)
                    pupils.add(pupil)
                    await pupils.flush()
                    pupils.add(ParentLogin(pupil_id=pupil.id, parent=Parent.FIRST))
                    registered = PupilRegistered(
                        pupil_id=pupil.id, elk_number=pupil.elk_number, school_brin=brin, parent_email=new.parent_email
                    )
                    await uow.emit(registered)
                    if new.group is not None:
                        await uow.emit(PupilGroupChanged(pupil_id=pupil.id, school_brin=brin, group=new.group))
                    if advice is not None:  # a buitenleerling: registration opens on the advice the parents showed
                        await uow.emit(FinalAdviceGiven(pupil_id=pupil.id, school_brin=brin, advice=advice.code))
            except Duplicate:
                if attempt == ELK_NUMBER_ATTEMPTS - 1:
                    raise
                continue  # another registration took the same ELK number at the same moment
            return pupil
        raise AssertionError("unreachable")
