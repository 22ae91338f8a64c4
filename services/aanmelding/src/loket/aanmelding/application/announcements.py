"""Announcing the moments of the procedure: the reminders of a round to parents who are not done, and a
round's publication moment, after which every parent of the round sees where the child is placed. Each
moment is announced once, in one transaction with its events (the `announcement` row is unique), by
`loket-aanmelding announce`, which a scheduler runs every few minutes (the CronJob in `deploy/base`; on
your own machine, by hand). Its events go into aanmelding's outbox; the serving process publishes them.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.aanmelding.application.registration import readiness_of
from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import Procedure, Round
from loket.aanmelding.domain.registration import RegistrationState
from loket.aanmelding.persistence.models import Announcement, Lottery, Placement, PupilEligibility, Registration
from loket.contracts.events import PlacementPublished, ReminderDue
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database

DONE = (RegistrationState.SUBMITTED, RegistrationState.FORWARDED)


class Announcer:
    def __init__(self, database: Database, outbox: Outbox, procedure: Procedure, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.outbox = outbox
        self.procedure = procedure
        self.clock = clock

    async def announce_due(self) -> list[str]:
        """Announce every moment that has come and was not announced yet; what was announced, one line each."""
        now, said = self.clock(), []
        for round_ in self.procedure.rounds:
            for moment in round_.reminders:
                if moment <= now < round_.registration.closes:
                    said += await self._once("reminder", round_, moment, self._reminders)
            if round_.publication_at <= now:
                said += await self._once("publication", round_, round_.publication_at, self._publication)
        self.outbox.nudge()
        return said

    async def _once(
        self, kind: str, round_: Round, moment: datetime, events: Callable[[AsyncSession, Round], Awaitable[int]]
    ) -> list[str]:
        try:
            async with self.database.transaction() as session:
                query = select(Announcement).where(
                    Announcement.kind == kind, Announcement.round_code == round_.code, Announcement.moment == moment
                )
                if (await session.exec(query)).first() is not None:
                    return []
                if kind == "publication" and not await _applied(session, round_.code):
                    return []  # no result yet: announced when a result is applied and the moment has come
                count = await events(session, round_)
                session.add(
                    Announcement(
                        kind=kind, round_code=round_.code, moment=moment, announced_at=self.clock(), events=count
                    )
                )
        except IntegrityError:
            return []  # another announcer did it at the same moment
        return [f"{kind} of {round_.name} ({moment:%d-%m-%Y %H:%M}): {count} events"]

    async def _reminders(self, session: AsyncSession, round_: Round) -> int:
        """Every pupil who may register and whose registration in this round is not in yet."""
        pupils = (await session.exec(select(PupilEligibility))).all()
        query = select(Registration).where(Registration.round_code == round_.code, col(Registration.active).is_(True))
        active = {registration.pupil_id: registration for registration in (await session.exec(query)).all()}
        count = 0
        for pupil in pupils:
            if readiness_of(pupil) == Readiness.WAITING_FOR_ADVICE:
                continue
            registration = active.get(pupil.pupil_id)
            if registration is not None and registration.state in DONE:
                continue
            progress = "in_progress" if registration is not None else "not_started"
            reminder = ReminderDue(
                pupil_id=pupil.pupil_id, round=round_.code, progress=progress, closes_at=round_.registration.closes
            )
            await self.outbox.put(session, reminder)
            count += 1
        return count

    async def _publication(self, session: AsyncSession, round_: Round) -> int:
        """Every registration the round's newest applied lottery placed, or left unplaced."""
        lottery = await _applied(session, round_.code)
        assert lottery is not None
        programs = self.procedure.programs()
        query = select(Placement, Registration).join(
            Registration, col(Registration.id) == col(Placement.registration_id)
        )
        rows = (await session.exec(query.where(Placement.lottery_id == lottery.id))).all()
        for placement, registration in rows:
            school = programs[placement.program][0].brin if placement.program in programs else None
            published = PlacementPublished(
                pupil_id=registration.pupil_id,
                registration_id=registration.id,
                round=round_.code,
                placed=placement.program is not None,
                school_brin=school,
                program=placement.program,
            )
            await self.outbox.put(session, published)
        return len(rows)


async def _applied(session: AsyncSession, round_code: str) -> Lottery | None:
    query = select(Lottery).where(Lottery.round_code == round_code, col(Lottery.applied_at).is_not(None))
    return (await session.exec(query.order_by(col(Lottery.applied_at).desc()))).first()
