"""Queries over pupils, always within what the caller reaches."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, false, func, or_, text, true
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.runtime.paging import Paging, page_statement
from loket.contracts.tokens import Role
from loket.dossier.domain.access import Caller, PupilRef
from loket.dossier.domain.parent_logins import LoginState
from loket.dossier.domain.pupils import OUTSIDE_REGION_PREFIX
from loket.dossier.persistence.models import OkiDoc, ParentLogin, Pupil, PupilGroup, SecondaryAccess

# the first parent's login by what the school does next: send it, send it again, wait, done
LOGIN_ORDER = (LoginState.NOT_SENT, LoginState.FAILED, LoginState.LOCKED, LoginState.SENT, LoginState.ACTIVATED)
ELK_NUMBERING_LOCK = 0x454C4B  # "ELK": the advisory lock that orders the giving of ELK numbers


class Pupils:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def highest_elk_number(self, external: bool = False) -> str | None:
        """The highest ELK number given so far (`external`: the highest B number). On PostgreSQL, numbering
        is locked until the transaction ends, so that pupils registered at the same moment get the next
        numbers one after the other instead of all but one failing on the unique ELK number (SQLite has
        one writer anyway)."""
        if (await self.session.connection()).dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ELK_NUMBERING_LOCK})
        # digits only (after the B), so the longest and then greatest string is the highest number
        number = col(Pupil.elk_number)
        outside = number.startswith(OUTSIDE_REGION_PREFIX)
        query = (
            select(number)
            .where(outside if external else ~outside)
            .order_by(func.length(number).desc(), number.desc())
            .limit(1)
        )
        return (await self.session.exec(query)).first()

    def add(self, *rows: SQLModel) -> None:
        """A pupil, or what belongs to one (its OKI-doc, a parent login), stored when the work commits."""
        self.session.add_all(rows)

    async def flush(self) -> None:
        """Write what was added so far (new pupils exist before rows that point to them)."""
        await self.session.flush()

    async def get(self, pupil_id: UUID) -> Pupil | None:
        return await self.session.get(Pupil, pupil_id)

    async def oki_doc(self, pupil: Pupil) -> OkiDoc:
        """The pupil's OKI-doc, or a new, empty one (Onvolledig) that is stored once it is added."""
        return await self.session.get(OkiDoc, pupil.id) or OkiDoc(pupil_id=pupil.id, changed_at=pupil.created_at)

    async def parent_login(self, pupil_id: UUID, parent: int) -> ParentLogin | None:
        return await self.session.get(ParentLogin, (pupil_id, parent))

    async def with_group(self, pupil_id: UUID, *, for_update: bool = False) -> tuple[Pupil, str | None] | None:
        """The pupil and the name of its group."""
        query = (
            select(Pupil, PupilGroup.name)
            .outerjoin(PupilGroup, col(Pupil.group_id) == col(PupilGroup.id))
            .where(Pupil.id == pupil_id)
        )
        if for_update:
            query = query.with_for_update(of=Pupil)
        found = (await self.session.exec(query)).first()
        return None if found is None else (found[0], found[1])

    async def registered_at(self, pupil_id: UUID) -> set[str]:
        """The secondary schools the pupil's standing registrations went to (aanmelding's events)."""
        query = select(SecondaryAccess.school_brin).where(
            SecondaryAccess.pupil_id == pupil_id, col(SecondaryAccess.withdrawn_at).is_(None)
        )
        return set((await self.session.exec(query)).all())

    async def in_group(self, group_id: UUID) -> list[Pupil]:
        """The pupils of one group by name, locked (on PostgreSQL) while the school sends their logins."""
        query = (
            select(Pupil)
            .where(Pupil.group_id == group_id)
            .order_by(col(Pupil.family_name), col(Pupil.given_name), col(Pupil.id))
            .with_for_update(of=Pupil)
        )
        return list((await self.session.exec(query)).all())

    async def at_school(self, school: str) -> list[tuple[Pupil, str | None]]:
        """Every pupil of a school with the name of its group, locked (on PostgreSQL) for an import."""
        query = (
            select(Pupil, PupilGroup.name)
            .outerjoin(PupilGroup, col(Pupil.group_id) == col(PupilGroup.id))
            .where(Pupil.school_brin == school)
            .order_by(col(Pupil.created_at), col(Pupil.id))
            .with_for_update(of=Pupil)
        )
        return [(pupil, name) for pupil, name in (await self.session.exec(query)).all()]

    async def in_reach(
        self, caller: Caller, school: str | None = None, group: str | None = None
    ) -> list[tuple[Pupil, str | None]]:
        """The pupils the caller sees, by school, group and name; the query narrows, `sees_pupil` decides."""
        query = select(Pupil, PupilGroup.name).outerjoin(PupilGroup, col(Pupil.group_id) == col(PupilGroup.id))
        query = query.where(self._reach(caller))
        if school is not None:
            query = query.where(Pupil.school_brin == school)
        if group is not None:
            query = query.where(PupilGroup.name == group)
        query = query.order_by(col(Pupil.school_brin), col(PupilGroup.name), col(Pupil.family_name), col(Pupil.id))
        found = (await self.session.exec(query)).all()
        return [
            (pupil, name) for pupil, name in found if caller.sees_pupil(PupilRef(pupil.id, pupil.school_brin, name))
        ]

    async def page_in_reach(
        self, caller: Caller, paging: Paging, school: str | None = None, group: str | None = None
    ) -> tuple[list[tuple[Pupil, str | None]], int]:
        """One page of the pupils the caller sees, sorted as asked (school, name, group, elk_number, login), and
        how many there are in all. The sort `login` puts first the logins that need the school's action."""
        first_login = and_(col(ParentLogin.pupil_id) == col(Pupil.id), col(ParentLogin.parent) == 1)
        query = (
            select(Pupil, PupilGroup.name)
            .outerjoin(PupilGroup, col(Pupil.group_id) == col(PupilGroup.id))
            .outerjoin(ParentLogin, first_login)
            .where(self._reach(caller))
        )
        if school is not None:
            query = query.where(Pupil.school_brin == school)
        if group is not None:
            query = query.where(PupilGroup.name == group)
        query = query.order_by(col(Pupil.school_brin), col(PupilGroup.name), col(Pupil.family_name), col(Pupil.id))
        action_first = case(
            {state.value: rank for rank, state in enumerate(LOGIN_ORDER)}, value=col(ParentLogin.state), else_=0
        )
        columns: dict[str, Any] = {
            "school": col(Pupil.school_brin),
            "name": func.lower(col(Pupil.family_name) + " " + col(Pupil.given_name)),
            "group": col(PupilGroup.name),
            "elk_number": col(Pupil.elk_number),
            "login": action_first,
        }
        page, counted = page_statement(query, paging, columns, "school")  # type: ignore[arg-type]
        found = [(pupil, name) for pupil, name in (await self.session.exec(page)).all()]  # type: ignore[call-overload]
        total = len(found) if paging.limit is None else (await self.session.execute(counted)).scalar_one()
        return [row for row in found if caller.sees_pupil(PupilRef(row[0].id, row[0].school_brin, row[1]))], total

    @staticmethod
    def _reach(caller: Caller) -> ColumnElement[bool]:
        if caller.role is Role.REGION_ADMIN:
            return true()
        if caller.role is Role.PARENT:
            return col(Pupil.id) == caller.pupil if caller.pupil is not None else false()
        per_school: list[ColumnElement[bool]] = []
        for school in sorted(caller.schools):
            groups = caller.own_groups(school)
            at_school = col(Pupil.school_brin) == school
            per_school.append(and_(at_school, col(PupilGroup.name).in_(sorted(groups))) if groups else at_school)
        return or_(false(), *per_school)

    async def parent_logins(self, pupil_ids: Iterable[UUID]) -> dict[UUID, list[ParentLogin]]:
        """The parent logins of these pupils, first parent first."""
        ids = list(pupil_ids)
        found: dict[UUID, list[ParentLogin]] = {pupil_id: [] for pupil_id in ids}
        query = select(ParentLogin).where(col(ParentLogin.pupil_id).in_(ids)).order_by(col(ParentLogin.parent))
        for login in (await self.session.exec(query)).all():
            found[login.pupil_id].append(login)
        return found
