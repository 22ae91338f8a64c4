"""Sending a parent the login to the parent portal ("ouderinlog versturen"), and the dots that follow.

The school asks for one parent of one pupil; dossier puts `dossier.parent_login.requested.v1` in the
outbox with what identity needs (the ELK number, the school and its name, the birth date the parent
will be asked, the checked address, the language) in the same transaction as its audit entry.
identity's `identity.parent_login.state_changed.v1` events then colour the dot; they may arrive out
of order, so a row keeps the highest revision it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import ParentLoginRequested, ParentLoginStateChanged
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.contracts.tokens import Role
from loket.dossier.domain.access import SCHOOL_STAFF, Caller, PupilRef
from loket.dossier.domain.audit import AuditAction
from loket.dossier.domain.errors import Invalid, NotAllowed, NotFound
from loket.dossier.domain.parent_logins import GroupOutcome, LoginState, Parent, check_may_send, group_outcome
from loket.dossier.dossiers import reached
from loket.dossier.persistence.audit import AuditTrail
from loket.dossier.persistence.models import ParentLogin, Pupil
from loket.dossier.persistence.organisation import Organisation
from loket.dossier.persistence.repository import Pupils


class ParentLogins:
    def __init__(self, database: Database, outbox: Outbox) -> None:
        self.database = database
        self.outbox = outbox

    async def send(self, caller: Caller, pupil_id: UUID, parent: Parent, language: str) -> ParentLogin:
        """The pupil's own school sends one parent the login; asking again sends a new link."""
        async with self.database.transaction() as session:
            found = await reached(session, caller, pupil_id, for_update=True)
            external = found.pupil.external
            if not caller.writes_dossier(found.ref) and not (external and caller.role is Role.REGION_ADMIN):
                raise NotAllowed(
                    "only the pupil's own school sends its parents the login (the region: a buitenleerling's)"
                )
            login = await session.get(ParentLogin, (pupil_id, int(parent)))
            if login is None and parent is Parent.FIRST:
                login = ParentLogin(pupil_id=pupil_id, parent=int(parent))
            check_may_send(parent, None if login is None else LoginState(login.state))
            assert login is not None
            school = await Organisation(session).school(found.pupil.school_brin)
            school_name = external["school_name"] if external else None if school is None else school.name
            await self._request(session, caller, found.pupil, login, parent, language, school_name)
        self.outbox.nudge()
        return login

    async def send_to_group(
        self, caller: Caller, group_id: UUID, language: str, *, again: bool = False
    ) -> list[GroupSending]:
        """The school sends the first parent of every pupil in one of its groups the login, in one go: those
        not sent yet, and those whose mail failed or whose link is locked; with `again` also those sent but
        not activated yet. Each pupil's answer says what happened; an activated login is left alone."""
        async with self.database.transaction() as session:
            organisation = Organisation(session)
            group = await organisation.group(group_id)
            if group is None or not caller.sees_pupil(PupilRef(group_id, group.school_brin, group.name)):
                raise NotFound("group")
            if caller.role not in SCHOOL_STAFF:
                raise NotAllowed("only the school's own staff send its parents the login")
            school = await organisation.school(group.school_brin)
            pupils = await Pupils(session).in_group(group.id)
            logins = await Pupils(session).parent_logins(pupil.id for pupil in pupils)
            answers = []
            for pupil in pupils:
                first = next((login for login in logins[pupil.id] if login.parent == Parent.FIRST), None)
                login = first or ParentLogin(pupil_id=pupil.id, parent=int(Parent.FIRST))
                outcome = group_outcome(pupil.parent_email, LoginState(login.state), again)
                if outcome is GroupOutcome.SENT:
                    await self._request(
                        session, caller, pupil, login, Parent.FIRST, language, None if school is None else school.name
                    )
                answers.append(GroupSending(pupil, outcome, LoginState(login.state)))
        self.outbox.nudge()
        return answers

    async def _request(
        self,
        session: AsyncSession,
        caller: Caller,
        pupil: Pupil,
        login: ParentLogin,
        parent: Parent,
        language: str,
        school_name: str | None,
    ) -> None:
        address = parent_address(pupil, parent)
        now = datetime.now(UTC)
        login.requested_at, login.requested_by = now, caller.subject
        session.add(login)
        await self.outbox.put(
            session,
            ParentLoginRequested(
                pupil_id=pupil.id,
                parent=int(parent),
                elk_number=pupil.elk_number,
                school_brin=pupil.school_brin,
                school_name=school_name,
                birth_date=pupil.birth_date,
                parent_email=address,
                language=language,
            ),
        )
        AuditTrail(session).record(caller, AuditAction.PARENT_LOGIN_SENT, pupil.id, parent=int(parent))


@dataclass(frozen=True)
class GroupSending:
    """One pupil's answer when the school sends its group's parent logins."""

    pupil: Pupil
    outcome: GroupOutcome
    state: LoginState  # the dot as it was when the school sent


def parent_address(pupil: Pupil, parent: Parent) -> str:
    """The first parent's address (`parent_email`), or the second parent's in the OKI-doc."""
    if parent is Parent.FIRST:
        return pupil.parent_email
    parents = pupil.parents
    email = parents[1].get("email") if len(parents) > 1 else None
    if not email:
        raise Invalid("parents.1.email", "the second parent needs an e-mail address: the parent login goes there")
    return str(email)


async def record_state(session: AsyncSession, changed: ParentLoginStateChanged, occurred_at: datetime) -> None:
    """identity's word on a parent login; an older revision than the one kept changes nothing."""
    if await session.get(Pupil, changed.pupil_id) is None:
        return  # not a pupil of this dossier
    login = await session.get(ParentLogin, (changed.pupil_id, changed.parent))
    if login is None:
        login = ParentLogin(pupil_id=changed.pupil_id, parent=changed.parent, revision=-1)
    if login.changed_at is not None and changed.revision <= login.revision:
        return  # identity said something newer already
    login.state, login.revision, login.changed_at = LoginState(changed.state), changed.revision, occurred_at
    session.add(login)
