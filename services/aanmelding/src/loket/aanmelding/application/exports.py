"""A secondary school's exports (`adapters/exports.py` writes them): its registrations with every choice,
those of pupils from outside the region, those who go into its lottery, and its withdrawals."""

from __future__ import annotations

from typing import Any, Literal

from loket.aanmelding.adapters.exports import as_csv, as_xlsx, registration_rows, withdrawal_rows
from loket.aanmelding.application.access import reach
from loket.aanmelding.application.secondary_school import has_reached, programs_at, reached_states, received_at
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.domain.registration import RegistrationState
from loket.aanmelding.persistence.models import Placement, Registration
from loket.aanmelding.persistence.repositories import Repositories
from loket.contracts.runtime.unit_of_work import Work
from loket.contracts.tokens import Claims

Kind = Literal["registrations", "external", "lottery", "withdrawals"]


class SchoolExports:
    def __init__(self, work: Work[Any], procedure: Procedure) -> None:
        self.work = work
        self.procedure = procedure

    async def export(self, claims: Claims, brin: str, kind: Kind, extension: Literal["csv", "xlsx"]) -> bytes:
        """The school's list of this kind, as CSV or XLSX."""
        reach(claims, brin, secondary=True)
        async with self.work() as uow:
            store = Repositories(uow.session)
            if kind == "withdrawals":
                rows = withdrawal_rows(await self._withdrawn(store, brin))
            else:
                found = await (self._lottery_pool if kind == "lottery" else self._received)(store, brin)
                elk_numbers = await store.pupils.elk_numbers(registration.pupil_id for registration, _ in found)
                rows = registration_rows(self.procedure, found, elk_numbers, external_only=kind == "external")
        return as_csv(rows) if extension == "csv" else as_xlsx(rows, kind)

    async def _received(self, store: Repositories, brin: str) -> list[tuple[Registration, Placement | None]]:
        """The registrations made with this school (its first choice), oldest first, and after a lottery
        also those it placed here from another first choice; each with its placement."""
        found = {r.id: r for r in await store.registrations.received_by(brin, reached_states(self.procedure))}
        for registration_id in set(await store.lotteries.placed_at(programs_at(self.procedure, brin))) - set(found):
            registration = await store.registrations.get(registration_id)
            if registration is not None and has_reached(self.procedure, registration):
                found[registration.id] = registration
        placed = await store.lotteries.placements(found)
        return [(registration, placed.get(registration.id)) for registration in sorted(found.values(), key=received_at)]

    async def _lottery_pool(self, store: Repositories, brin: str) -> list[tuple[Registration, Placement | None]]:
        """The registrations made with this school that it has not placed (ELK's "decentrale loting"):
        who goes into its lottery when it is over-subscribed."""
        found = await store.registrations.received_by(brin, reached_states(self.procedure), unplaced=True)
        placed = await store.lotteries.placements(registration.id for registration in found)
        return [(registration, placed.get(registration.id)) for registration in sorted(found, key=received_at)]

    async def _withdrawn(self, store: Repositories, brin: str) -> list[Registration]:
        """Registrations that reached this school and were withdrawn or voided since (the Terugtrekkers)."""
        ended = [RegistrationState.WITHDRAWN, RegistrationState.VOIDED]
        found = await store.registrations.withdrawn_from(brin, ended)
        return sorted(found, key=lambda registration: registration.withdrawn_at or registration.started_at)
