"""The steps of a lottery ceremony that people take (request a run, enter its seed, retry it), and
aanmelding's request for one. Each step checks the run's state (`domain/ceremony.py`), changes it and
raises the event that announces it, in one unit of work: a refused step changes nothing.

The steps that follow from loting's own events coming back from the bus are in `publication.py`
(the commitment is public) and `execution.py` (the engine runs).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from loket.contracts.events import LotteryCeremonyRequested
from loket.contracts.events import loting as events
from loket.loting.application.reports import path, summary
from loket.loting.domain.ceremony import (
    MAX_REASON,
    InvalidInput,
    SeedSource,
    Step,
    advance,
    canonical_json,
    check_sources,
    check_values,
    seed_record,
)
from loket.loting.domain.lottery import Commitment, commit
from loket.loting.persistence.models import ArtifactKind, Run, RunSeed
from loket.loting.persistence.repository import Runs

if TYPE_CHECKING:
    from loket.contracts.runtime.unit_of_work import UnitOfWork, Work

log = logging.getLogger(__name__)


async def request_run(
    work: Work[Any], *, market: Mapping[str, Any], sources: Iterable[events.SeedSource], label: str
) -> dict[str, Any]:
    """Step 1: store the market without a seed as the commitment, and announce its hash."""
    declared = sources_from(sources)
    commitment = await _checked(market, declared)
    async with work(correlation_id=uuid4()) as uow:  # the run's events share one correlation id
        run = await _open(uow, commitment, declared, label)
        return summary(run, None)


async def request_for_lottery(uow: UnitOfWork[Any], requested: LotteryCeremonyRequested) -> None:
    """Step 1 for a lottery aanmelding took: the run gets the lottery's id, and its result goes back to
    aanmelding when the run completes (`result_issued`). Asked twice, the run opens once."""
    if await Runs(uow.session).get(requested.lottery_id) is not None:
        log.info("loting: lottery %s has its run already", requested.lottery_id)
        return
    sources = sources_from(requested.seed_sources)
    try:
        commitment = await _checked(requested.market, sources)
    except InvalidInput as refused:  # no run; aanmelding shows the region why, and it may ask again
        await _refuse(uow, requested.lottery_id, str(refused))
        return
    if hashlib.sha256(commitment.content).hexdigest() != requested.market_sha256:
        await _refuse(uow, requested.lottery_id, "the market does not hash to the commitment the request names")
        return
    await _open(uow, commitment, sources, requested.label, run_id=requested.lottery_id)


async def enter_seed(work: Work[Any], run_id: UUID, *, entered_by: str, values: Mapping[str, str]) -> dict[str, Any]:
    """Step 2: derive the seed from a value for each declared source, once the commitment is public."""
    async with work() as uow:
        runs = Runs(uow.session)
        run = await runs.find(run_id, for_update=True)
        seeded = advance(run.state, Step.ENTER_SEED, run=run.id)
        sources = sources_of(run)
        check_values(sources, values)
        record = seed_record(run.commitment_sha256, sources, values)
        entered_at = uow.now
        seed = RunSeed(
            run_id=run.id,
            seed=await runs.store(ArtifactKind.SEED_RECORD, canonical_json(record), entered_at),
            entered_by=entered_by,
            entered_at=entered_at,
        )
        run.state = seeded
        runs.add(run, seed)
        await uow.emit(
            events.RunSeeded(
                run_id=run.id,
                commitment_sha256=run.commitment_sha256,
                seed=seed.seed,
                sources=tuple(events.EnteredSeedSource(**source) for source in record["sources"]),
                entered_at=entered_at,
            )
        )
        return summary(run, seed)


async def retry_run(work: Work[Any], run_id: UUID) -> dict[str, Any]:
    """Run a failed run again, with the same market and seed."""
    async with work() as uow:
        runs = Runs(uow.session)
        run = await runs.find(run_id, for_update=True)
        run.state = advance(run.state, Step.RETRY, run=run.id)
        previous_failure = run.failure_reason or "unknown"
        run.failure_reason = None
        runs.add(run)
        await uow.emit(events.RunRetried(run_id=run.id, attempt=run.attempts + 1, previous_failure=previous_failure))
        return summary(run, await runs.seed(run.id))


def sources_from(declared: Iterable[events.SeedSource]) -> list[SeedSource]:
    """The seed sources as declared on the bus or over HTTP, as the ceremony checks them."""
    return [SeedSource(kind=source.kind, name=source.name, round=source.round) for source in declared]


def sources_of(run: Run) -> list[SeedSource]:
    return [SeedSource(**source) for source in run.seed_sources]


async def _checked(market: Mapping[str, Any], sources: Sequence[SeedSource]) -> Commitment:
    check_sources(sources)
    return await asyncio.to_thread(commit, market)  # a country's market takes a moment to check


async def _refuse(uow: UnitOfWork[Any], lottery_id: UUID, reason: str) -> None:
    log.warning("loting: lottery %s: no run: %s", lottery_id, reason)
    await uow.emit(events.RunRefused(run_id=lottery_id, reason=reason[:MAX_REASON]))


async def _open(
    uow: UnitOfWork[Any],
    commitment: Commitment,
    sources: Sequence[SeedSource],
    label: str,
    *,
    run_id: UUID | None = None,
) -> Run:
    runs = Runs(uow.session)
    run = Run(
        label=label,
        mechanism=commitment.mechanism,
        students=commitment.students,
        programs=commitment.programs,
        seed_sources=[source.declared() for source in sources],
        commitment_sha256=await runs.store(ArtifactKind.COMMITMENT, commitment.content, uow.now),
        requested_at=uow.now,
    )
    if run_id is not None:
        run.id = run_id
    runs.add(run)
    declared = {
        "run_id": run.id,
        "label": run.label,
        "mechanism": run.mechanism,
        "students": run.students,
        "programs": run.programs,
        "seed_sources": tuple(events.SeedSource(**source) for source in run.seed_sources),
    }
    requested = await uow.emit(events.RunRequested(**declared))
    await uow.emit(
        events.RunCommitted(
            **declared, commitment_sha256=run.commitment_sha256, commitment_path=path(run.id, "commitment")
        ),
        caused_by=requested.event_id,
    )
    return run
