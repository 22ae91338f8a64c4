"""The registrations, as the use cases load and store them. A registration a step changes is taken with its
row lock (`active`, `get(lock=True)`): two changes to it at the same moment, by the parent and by a
school, run one after the other, the second seeing what the first did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.persistence.models import Placement, Registration
from loket.contracts.runtime.paging import Paging, page_statement

# the orders a school sorts its registrations in, as the database sorts them
RECEIVED_SORTS = {
    "received": func.coalesce(
        col(Registration.forwarded_at), col(Registration.submitted_at), col(Registration.started_at)
    ),
    "round": col(Registration.round_code),
    "program": col(Registration.preferences)[0].as_string(),
    "priority": col(Registration.priority)["kind"].as_string(),
    "placed": col(Registration.school_placed_at),
}
UNPLACED_SORTS = {
    "id": cast(ColumnElement[Any], col(Registration.id)),
    "primary_school": cast(ColumnElement[Any], col(Registration.school_brin)),
}


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, registration: Registration) -> None:
        self.session.add(registration)

    async def get(self, registration_id: UUID, *, lock: bool = False) -> Registration | None:
        return await self.session.get(Registration, registration_id, with_for_update=lock)

    async def active(self, pupil_id: UUID, round_code: str | None = None) -> list[Registration]:
        """The pupil's registrations that count (one per round; in `round_code` only, when given), locked
        for the change: every path that changes a registration takes it here."""
        query = select(Registration).where(Registration.pupil_id == pupil_id, col(Registration.active).is_(True))
        if round_code is not None:
            query = query.where(Registration.round_code == round_code)
        return list((await self.session.exec(query.with_for_update())).all())

    async def of_pupil(self, pupil_id: UUID) -> list[Registration]:
        """Every registration of the pupil, newest first."""
        query = select(Registration).where(Registration.pupil_id == pupil_id)
        return list((await self.session.exec(query.order_by(col(Registration.started_at).desc()))).all())

    async def counting_at_primary_school(self, brin: str, only: Sequence[UUID] | None) -> list[Registration]:
        query = select(Registration).where(Registration.school_brin == brin, col(Registration.active).is_(True))
        if only is not None:
            query = query.where(col(Registration.pupil_id).in_(only))
        return list((await self.session.exec(query)).all())

    async def ended_by_schools(self, pupil_ids: Iterable[UUID]) -> list[Registration]:
        """The pupils' registrations a secondary school ended."""
        query = select(Registration).where(
            col(Registration.pupil_id).in_(list(pupil_ids)), col(Registration.withdrawal_reason).is_not(None)
        )
        return list((await self.session.exec(query)).all())

    async def ended_by_schools_in(self, round_code: str) -> list[Registration]:
        query = select(Registration).where(
            Registration.round_code == round_code, col(Registration.withdrawal_reason).is_not(None)
        )
        return list((await self.session.exec(query)).all())

    async def registered_in(self, round_code: str, pupil_ids: Iterable[UUID]) -> set[UUID]:
        """Which of the pupils have a registration that counts in the round."""
        query = select(Registration.pupil_id).where(
            Registration.round_code == round_code,
            col(Registration.active).is_(True),
            col(Registration.pupil_id).in_(list(pupil_ids)),
        )
        return set((await self.session.exec(query)).all())

    async def counting_in(self, round_code: str, states: Sequence[str] | None = None) -> list[Registration]:
        """The registrations that count in the round (in these states, when given)."""
        query = select(Registration).where(Registration.round_code == round_code, col(Registration.active).is_(True))
        if states is not None:
            query = query.where(col(Registration.state).in_(states))
        return list((await self.session.exec(query)).all())

    async def received_by(self, brin: str, states: Sequence[str], *, unplaced: bool = False) -> list[Registration]:
        """The registrations that count and reached this school as their first choice (not yet placed by
        it, with `unplaced`)."""
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.active).is_(True),
            col(Registration.state).in_(states),
        )
        if unplaced:
            query = query.where(col(Registration.school_placed_at).is_(None))
        return list((await self.session.exec(query)).all())

    async def received_page(
        self,
        brin: str,
        states: Sequence[str],
        given: Iterable[UUID],
        paging: Paging,
        *,
        round_code: str | None = None,
        program: str | None = None,
        state: str | None = None,
        placed: bool | None = None,
    ) -> tuple[list[Registration], int]:
        """One page of what reached the school (its first choice, or `given` it by a lottery), filtered,
        sorted and paged in the database; with the whole list's length."""
        query = select(Registration).where(
            col(Registration.active).is_(True),
            col(Registration.state).in_(states),
            or_(col(Registration.first_choice_brin) == brin, col(Registration.id).in_(list(given))),
        )
        if round_code is not None:
            query = query.where(Registration.round_code == round_code)
        if program is not None:
            query = query.where(col(Registration.preferences)[0].as_string() == program)
        if state is not None:
            query = query.where(Registration.state == state)
        if placed is not None:
            placed_at = col(Registration.school_placed_at)
            query = query.where(placed_at.is_not(None) if placed else placed_at.is_(None))
        page, counted = page_statement(query.order_by(col(Registration.id)), paging, RECEIVED_SORTS, "received")
        total = int((await self.session.execute(counted)).scalar_one())
        found = list((await self.session.exec(page)).all())  # type: ignore[call-overload]
        return found, total

    async def withdrawn_from(self, brin: str, states: Sequence[str]) -> list[Registration]:
        """The registrations that reached this school and are in one of these (ended) states."""
        query = select(Registration).where(
            Registration.first_choice_brin == brin,
            col(Registration.state).in_(states),
            col(Registration.submitted_at).is_not(None),
        )
        return list((await self.session.exec(query)).all())

    async def first_choices(self, round_code: str) -> list[tuple[str | None, str, int]]:
        """Per first-choice program and state, how many registrations count in the round."""
        first_program = col(Registration.preferences)[0].as_string()
        query = (
            select(first_program, Registration.state, func.count())
            .where(Registration.round_code == round_code, col(Registration.active).is_(True))
            .group_by(first_program, Registration.state)
        )
        return [(program, state, int(count)) for program, state, count in (await self.session.exec(query)).all()]

    async def unplaced_page(self, lottery_id: UUID, paging: Paging) -> tuple[list[Registration], int]:
        """A page of the registrations the lottery left without a place, and how many in all."""
        query = (
            select(Registration)
            .join(Placement, col(Placement.registration_id) == col(Registration.id))
            .where(Placement.lottery_id == lottery_id, col(Placement.program).is_(None))
        )
        page, counted = page_statement(query, paging, UNPLACED_SORTS, "id")
        found = list((await self.session.exec(page)).all())  # type: ignore[call-overload]
        total = (await self.session.execute(counted)).scalar_one()
        return found, int(total)
