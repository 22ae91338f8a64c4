"""The lottery's outcome for one pupil, explained: where the newest applied lottery of the round placed
the registration, why not at each program ranked higher, and how anyone recomputes the lot number from
the published seed (`domain/outcome.py`). Who may read it is the registration's rule: the parent of the
pupil from the round's publication moment on, not a second earlier; staff who reach the pupil at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from loket.aanmelding.application.access import reached_pupil
from loket.aanmelding.application.lottery import student_id
from loket.aanmelding.domain.outcome import Inconsistent, Outcome, explain, published
from loket.aanmelding.domain.procedure import TIME_ZONE, Procedure, Round
from loket.aanmelding.persistence.models import Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.errors import NotFound, NotNow
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims, Role


@dataclass(frozen=True)
class Explained:
    round: Round
    published: bool
    registration: Registration
    outcome: Outcome


class Outcomes:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def outcome(self, claims: Claims, pupil_id: UUID, round_code: str | None = None) -> Explained:
        """The newest lottery applied to one of the pupil's registrations (of `round_code`, when given).
        NotFound: the pupil is out of reach, or no applied lottery placed (or left out) a registration of
        it; NotNow: a parent asks before that round's publication moment."""
        async with self.work() as uow:
            store = Repositories(uow.session)
            await reached_pupil(store, claims, pupil_id)
            registrations = {r.id: r for r in await store.registrations.of_pupil(pupil_id)}
            if round_code is not None:
                registrations = {key: r for key, r in registrations.items() if r.round_code == round_code}
            newest = await store.lotteries.newest_placement(registrations)
            now = uow.now
        placement, lottery = newest or (None, None)
        if placement is None or lottery is None or lottery.market is None or lottery.result is None:
            raise NotFound(
                "no lottery has been applied to a registration of this pupil",
                code="no_lottery_outcome",
                round=round_code,
            )
        registration = registrations[placement.registration_id]
        round_ = self.procedure.round(registration.round_code)
        shown = published(round_, now)
        if claims.role == Role.PARENT and not shown:
            at = f"{round_.publication_at.astimezone(TIME_ZONE):%d-%m-%Y %H:%M}"
            raise NotNow(
                f"the outcome of {round_.name} is published on {at}, for every parent at the same moment",
                code="not_published",
                round=round_.code,
                round_name=round_.name,
                publication_at=round_.publication_at,
            )
        try:
            outcome = explain(json.loads(lottery.market), json.loads(lottery.result), student_id(registration.id))
        except (KeyError, Inconsistent) as exc:  # applied results were checked; this is a bug, not the parent's
            raise RuntimeError(f"lottery {lottery.id} does not explain registration {registration.id}: {exc}") from exc
        return Explained(round_, shown, registration, outcome)
