"""Sending a parent the login to the parent portal ("ouderinlog versturen"), and the dots that follow.

The school asks for one parent of one pupil; dossier raises `dossier.parent_login.requested.v1` with what
identity needs (the ELK number, the school and its name, the birth date the parent will be asked, the
checked address, the language) in the same unit of work as its audit entry. identity's
`identity.parent_login.state_changed.v1` events then colour the dot; they may arrive out of order, so a
row keeps the highest revision it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from loket.contracts.errors import Forbidden, Invalid, NotFound, Where
from loket.contracts.events import ParentLoginRequested, ParentLoginStateChanged
from loket.contracts.tokens import Role
from loket.dossier.application import DossierWork, Uow
from loket.dossier.application.reach import reached
from loket.dossier.domain.access import SCHOOL_STAFF, Caller, PupilRef
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.parent_logins import GroupOutcome, LoginState, Parent, check_may_send, group_outcome
from loket.dossier.persistence.models import ParentLogin, Pupil
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils


class ParentLogins:
    def __init__(self, work: DossierWork) -> None:
        self.work = work

    async def send(self, caller: Caller, pupil_id: UUID, parent: Parent, language: str) -> ParentLogin:
        """The pupil's own school sends one parent the login; asking again sends a new link."""
        async with self.work() as uow:
            found = await reached(uow, caller, pupil_id, for_update=True)
            external = found.pupil.external
            if not caller.writes_dossier(found.ref) and not (external and caller.role is Role.REGION_ADMIN):
                raise Forbidden(
                    "only the pupil's own school sends its parents the login (the region: a buitenleerling's)"
                )
            login = await Pupils(uow.session).parent_login(pupil_id, int(parent))
            if login is None and parent is Parent.FIRST:
                login = ParentLogin(pupil_id=pupil_id, parent=int(parent))
            check_may_send(parent, None if login is None else LoginState(login.state))
            assert login is not None
            school = await Organisation(uow.session).school(found.pupil.school_brin)
            school_name = external["school_name"] if external else None if school is None else school.name
            await request(uow, caller, found.pupil, login, parent, language, school_name)
        return login

    async def send_to_group(
        self, caller: Caller, group_id: UUID, language: str, *, again: bool = False
    ) -> list[GroupSending]:
        """The school sends the first parent of every pupil in one of its groups the login, in one go: those
        not sent yet, and those whose mail failed or whose link is locked; with `again` also those sent but
        not activated yet. Each pupil's answer says what happened; an activated login is left alone."""
        async with self.work() as uow:
            organisation, pupils = Organisation(uow.session), Pupils(uow.session)
            group = await organisation.group(group_id)
            if group is None or not caller.sees_pupil(PupilRef(group_id, group.school_brin, group.name)):
                raise NotFound("group not found")
            if caller.role not in SCHOOL_STAFF:
                raise Forbidden("only the school's own staff send its parents the login")
            school = await organisation.school(group.school_brin)
            in_group = await pupils.in_group(group.id)
            logins = await pupils.parent_logins(pupil.id for pupil in in_group)
            answers = []
            for pupil in in_group:
                first = next((login for login in logins[pupil.id] if login.parent == Parent.FIRST), None)
                login = first or ParentLogin(pupil_id=pupil.id, parent=int(Parent.FIRST))
                outcome = group_outcome(pupil.parent_email, LoginState(login.state), again)
                if outcome is GroupOutcome.SENT:
                    school_name = None if school is None else school.name
                    await request(uow, caller, pupil, login, Parent.FIRST, language, school_name)
                answers.append(GroupSending(pupil, outcome, LoginState(login.state)))
        return answers


async def request(
    uow: Uow,
    caller: Caller,
    pupil: Pupil,
    login: ParentLogin,
    parent: Parent,
    language: str,
    school_name: str | None,
) -> None:
    """Ask identity to send one parent the login, and remember that the school asked."""
    address = parent_address(pupil, parent)
    login.requested_at, login.requested_by = uow.now, caller.subject
    Pupils(uow.session).add(login)
    await uow.emit(
        ParentLoginRequested(
            pupil_id=pupil.id,
            parent=int(parent),
            elk_number=pupil.elk_number,
            school_brin=pupil.school_brin,
            school_name=school_name,
            birth_date=pupil.birth_date,
            parent_email=address,
            language=language,
        )
    )
    uow.audit.record(caller, AuditAction.PARENT_LOGIN_SENT, pupil.id, parent=int(parent))


@dataclass(frozen=True)
class GroupSending:
    """One pupil's answer when the school sends its group's parent logins."""

    pupil: Pupil
    outcome: GroupOutcome
    state: LoginState  # the dot as it was when the school sent


class InTheDocument(Where):
    """A field by its path in the OKI-doc, list positions as they are written there (`parents.1.email`)."""

    def loc(self) -> list[str | int]:
        return ["body", *self.where.split(".")]


def parent_address(pupil: Pupil, parent: Parent) -> str:
    """The first parent's address (`parent_email`), or the second parent's in the OKI-doc."""
    if parent is Parent.FIRST:
        return pupil.parent_email
    parents = pupil.parents
    email = parents[1].get("email") if len(parents) > 1 else None
    if not email:
        why = "the second parent needs an e-mail address: the parent login goes there"
        raise Invalid([InTheDocument("parents.1.email", why)])
    return str(email)


async def record_state(uow: Uow, changed: ParentLoginStateChanged, occurred_at: datetime) -> None:
    """identity's word on a parent login; an older revision than the one kept changes nothing."""
    pupils = Pupils(uow.session)
    if await pupils.get(changed.pupil_id) is None:
        return  # not a pupil of this dossier
    login = await pupils.parent_login(changed.pupil_id, changed.parent)
    if login is None:
        login = ParentLogin(pupil_id=changed.pupil_id, parent=changed.parent, revision=-1)
    if login.changed_at is not None and changed.revision <= login.revision:
        return  # identity said something newer already
    login.state, login.revision, login.changed_at = LoginState(changed.state), changed.revision, occurred_at
    pupils.add(login)
