"""Announcing the moments of the procedure: the reminders of a round to parents who are not done, and a
round's publication moment, after which every parent of the round sees where the child is placed. Each
moment is announced once, in one unit of work with its events (the `announcement` row is unique), by
`loket-aanmelding announce`, which a scheduler runs every few minutes (the CronJob in `deploy/base`; on
your own machine, by hand). Its events go into aanmelding's outbox; the serving process publishes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from loket.aanmelding.application.standing import outcome_of, readiness_of
from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import Procedure, Round
from loket.aanmelding.domain.registration import RegistrationState, still_counts
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.events import PlacementPublished, ReminderDue
from loket.contracts.runtime.unit_of_work import Work

DONE = (RegistrationState.SUBMITTED, RegistrationState.FORWARDED)


class Announcements:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def announce_due(self) -> list[str]:
        """Announce every moment that has come and was not announced yet; what was announced, one line each."""
        now, said = self.work.clock(), []
        for round_ in self.procedure.rounds:
            for moment in round_.reminders:
                if moment <= now < round_.registration.closes:
                    said += await self.remind(round_, moment)
            if round_.publication_at <= now:
                said += await self.publish(round_)
        return said

    async def remind(self, round_: Round, moment: datetime) -> list[str]:
        """A reminder moment: every pupil who may register and whose registration in this round is not in yet
        gets a reminder; not a pupil an earlier round placed, or whose earlier round's result is still to
        come: neither may register in this one (`standing.in_round`)."""
        async with self.work() as uow:
            store = Repositories(uow.session)
            announcement = await store.announcements.claim("reminder", round_.code, moment, uow.now)
            if announcement is None:
                return []  # announced already
            active = {r.pupil_id: r for r in await store.registrations.counting_in(round_.code)}
            elsewhere = await self._counting_in_earlier_rounds(store, round_, uow.now)
            for pupil in await store.pupils.everyone():
                if readiness_of(pupil) == Readiness.WAITING_FOR_ADVICE or pupil.pupil_id in elsewhere:
                    continue
                registration = active.get(pupil.pupil_id)
                if registration is not None and registration.state in DONE:
                    continue
                progress = "in_progress" if registration is not None else "not_started"
                reminder = ReminderDue(
                    pupil_id=pupil.pupil_id, round=round_.code, progress=progress, closes_at=round_.registration.closes
                )
                await uow.emit(reminder)
                announcement.events += 1
        return [f"reminder of {round_.name} ({moment:%d-%m-%Y %H:%M}): {announcement.events} events"]

    async def _counting_in_earlier_rounds(self, store: Repositories, round_: Round, now: datetime) -> set[UUID]:
        """The pupils whose registration of an earlier round still counts: placed, or waiting for its result."""
        earlier = self.procedure.rounds[: self.procedure.rounds.index(round_)]
        registrations = [r for before in earlier for r in await store.registrations.counting_in(before.code)]
        placed = await store.lotteries.placements([r.id for r in registrations]) if registrations else {}
        return {r.pupil_id for r in registrations if still_counts(outcome_of(self.procedure, r, placed.get(r.id), now))}

    async def publish(self, round_: Round) -> list[str]:
        """The publication moment: every registration the round's newest applied lottery placed, or left
        unplaced, is announced, and its parents see the placement from now on. Not before a result is
        applied: then at the first announcing after it is."""
        moment = round_.publication_at
        async with self.work() as uow:
            store = Repositories(uow.session)
            lottery = await store.lotteries.newest_applied(round_.code)
            if lottery is None:
                return []
            announcement = await store.announcements.claim("publication", round_.code, moment, uow.now)
            if announcement is None:
                return []  # announced already
            programs = self.procedure.programs()
            for placement, registration in await store.lotteries.placed_by(lottery.id):
                school = programs[placement.program][0].brin if placement.program in programs else None
                published = PlacementPublished(
                    pupil_id=registration.pupil_id,
                    registration_id=registration.id,
                    round=round_.code,
                    placed=placement.program is not None,
                    school_brin=school,
                    program=placement.program,
                )
                await uow.emit(published)
                announcement.events += 1
        return [f"publication of {round_.name} ({moment:%d-%m-%Y %H:%M}): {announcement.events} events"]
