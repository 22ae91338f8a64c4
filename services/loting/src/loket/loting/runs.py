"""The steps of a lottery ceremony. Each step checks the run's state (`domain/ceremony.py`), changes
it, and writes the event that announces it, all in one transaction: a refused step changes nothing.

Requests take the steps people take (request, seed, retry); the handlers take the steps that follow
from loting's own events coming back from the bus (commitment published, execute).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.events import LotteryCeremonyRequested
from loket.contracts.events import loting as events
from loket.contracts.inbox import Delivery
from loket.contracts.outbox import Outbox
from loket.contracts.runtime.database import Database
from loket.loting.domain.ceremony import (
    InvalidInput,
    OutOfOrder,
    SeedSource,
    Step,
    advance,
    canonical_json,
    check_sources,
    check_values,
    runs_now,
    seed_record,
)
from loket.loting.lottery import Commitment, commit, draw, final_market
from loket.loting.persistence.models import ArtifactKind, Run, RunPublication, RunSeed
from loket.loting.persistence.repository import Runs

log = logging.getLogger(__name__)

MAX_REASON = 2000


class RunNotFound(LookupError):
    pass


def path(run_id: UUID, what: str) -> str:
    """Where loting serves a run's file (`http/runs.py`)."""
    return f"/runs/{run_id}/{what}"


def sources_of(run: Run) -> list[SeedSource]:
    return [SeedSource(**source) for source in run.seed_sources]


async def find(session: AsyncSession, run_id: UUID, *, for_update: bool = False) -> Run:
    run = await Runs(session).get(run_id, for_update=for_update)
    if run is None:
        raise RunNotFound(run_id)
    return run


async def request_run(
    database: Database, outbox: Outbox, *, market: Mapping[str, Any], sources: Sequence[SeedSource], label: str
) -> Run:
    """Step 1: store the market without a seed as the commitment, and announce its hash."""
    commitment = await _checked(market, sources)
    async with database.transaction() as session:
        run = await _open(session, functools.partial(outbox.put, session), commitment, sources, label)
    outbox.nudge()
    return run


async def ceremony_requested(delivery: Delivery[LotteryCeremonyRequested]) -> None:
    """Step 1 for a lottery aanmelding took: the run gets the lottery's id, and its result goes back to
    aanmelding when the run completes (`result_issued`). Asked twice, the run opens once."""
    requested = delivery.payload
    if await Runs(delivery.session).get(requested.lottery_id) is not None:
        log.info("loting: lottery %s has its run already", requested.lottery_id)
        return
    sources = sources_from(requested.seed_sources)
    try:
        commitment = await _checked(requested.market, sources)
    except InvalidInput as refused:  # no run; aanmelding shows the region why, and it may ask again
        await _refuse(delivery, str(refused))
        return
    if hashlib.sha256(commitment.content).hexdigest() != requested.market_sha256:
        await _refuse(delivery, "the market does not hash to the commitment the request names")
        return

    async def emit(payload: events.RunDeclared, **_: Any) -> Any:  # caused by the request, whatever it says
        return await delivery.emit(payload)

    await _open(delivery.session, emit, commitment, sources, requested.label, run_id=requested.lottery_id)


def sources_from(declared: Iterable[events.SeedSource]) -> list[SeedSource]:
    """The seed sources as declared on the bus or over HTTP, as the ceremony checks them."""
    return [SeedSource(kind=source.kind, name=source.name, round=source.round) for source in declared]


async def _checked(market: Mapping[str, Any], sources: Sequence[SeedSource]) -> Commitment:
    check_sources(sources)
    return await asyncio.to_thread(commit, market)  # a country's market takes a moment to check


async def _refuse(delivery: Delivery[LotteryCeremonyRequested], reason: str) -> None:
    log.warning("loting: lottery %s: no run: %s", delivery.payload.lottery_id, reason)
    await delivery.emit(events.RunRefused(run_id=delivery.payload.lottery_id, reason=reason[:MAX_REASON]))


async def _open(
    session: AsyncSession,
    put: Callable[..., Awaitable[Any]],
    commitment: Commitment,
    sources: Sequence[SeedSource],
    label: str,
    *,
    run_id: UUID | None = None,
) -> Run:
    runs = Runs(session)
    run = Run(
        label=label,
        mechanism=commitment.mechanism,
        students=commitment.students,
        programs=commitment.programs,
        seed_sources=[source.declared() for source in sources],
        commitment_sha256=await runs.store(ArtifactKind.COMMITMENT, commitment.content),
        requested_at=datetime.now(UTC),
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
    requested = await put(events.RunRequested(**declared))
    await put(
        events.RunCommitted(
            **declared, commitment_sha256=run.commitment_sha256, commitment_path=path(run.id, "commitment")
        ),
        correlation_id=requested.correlation_id,
        causation_id=requested.event_id,
    )
    return run


async def enter_seed(
    database: Database, outbox: Outbox, run_id: UUID, *, entered_by: str, values: Mapping[str, str]
) -> Run:
    """Step 2: derive the seed from a value for each declared source, once the commitment is public."""
    async with database.transaction() as session:
        runs = Runs(session)
        run = await find(session, run_id, for_update=True)
        seeded = advance(run.state, Step.ENTER_SEED)
        sources = sources_of(run)
        check_values(sources, values)
        record = seed_record(run.commitment_sha256, sources, values)
        seed = await runs.store(ArtifactKind.SEED_RECORD, canonical_json(record))
        entered_at = datetime.now(UTC)
        run.state = seeded
        runs.add(run, RunSeed(run_id=run.id, seed=seed, entered_by=entered_by, entered_at=entered_at))
        await outbox.put(
            session,
            events.RunSeeded(
                run_id=run.id,
                commitment_sha256=run.commitment_sha256,
                seed=seed,
                sources=tuple(events.EnteredSeedSource(**source) for source in record["sources"]),
                entered_at=entered_at,
            ),
        )
    outbox.nudge()
    return run


async def retry_run(database: Database, outbox: Outbox, run_id: UUID) -> Run:
    """Run a failed run again, with the same market and seed."""
    async with database.transaction() as session:
        run = await find(session, run_id, for_update=True)
        run.state = advance(run.state, Step.RETRY)
        previous_failure = run.failure_reason or "unknown"
        run.failure_reason = None
        Runs(session).add(run)
        await outbox.put(
            session, events.RunRetried(run_id=run.id, attempt=run.attempts + 1, previous_failure=previous_failure)
        )
    outbox.nudge()
    return run


async def seen_on_bus(delivery: Delivery[Any]) -> Run | None:
    """Keep one of the run's own events as it came back from the bus: by now it is public."""
    run = await Runs(delivery.session).get(delivery.payload.run_id, for_update=True)
    if run is None:
        log.warning("loting: %s for unknown run %s", delivery.envelope.routing_key, delivery.payload.run_id)
        return None
    Runs(delivery.session).add(
        RunPublication(
            event_id=delivery.envelope.event_id,
            run_id=run.id,
            routing_key=delivery.envelope.routing_key,
            occurred_at=delivery.envelope.occurred_at,
            seen_on_bus_at=datetime.now(UTC),
            payload=delivery.payload.model_dump(mode="json"),
        )
    )
    return run


async def commitment_published(delivery: Delivery[events.RunCommitted]) -> None:
    """Step 1 done: the commitment came back from the bus, so from now on a seed may be entered."""
    run = await seen_on_bus(delivery)
    if run is None:
        return
    try:
        run.state = advance(run.state, Step.PUBLISH_COMMITMENT)
    except OutOfOrder as refused:
        log.info("loting: run %s: %s", run.id, refused)
        return
    run.commitment_published_at = datetime.now(UTC)
    Runs(delivery.session).add(run)


async def execute(delivery: Delivery[events.RunSeeded] | Delivery[events.RunRetried]) -> None:
    """Step 3: run the engine on the final market. A completed run never runs again."""
    run = await seen_on_bus(delivery)
    if run is None:
        return
    if not runs_now(run.state):
        log.info("loting: run %s is %s; not executed again", run.id, run.state)
        return
    runs = Runs(delivery.session)
    seed = await runs.seed(run.id)
    assert seed is not None, "a seeded run has its seed"
    commitment = await runs.content(run.commitment_sha256)
    run.attempts += 1
    # Only the engine's own failures fail the run; the database's propagate, and the event is redelivered.
    try:
        market = final_market(commitment, seed.seed)
    except Exception as error:
        await _fail(delivery, run, error)
        return
    run.market_sha256 = await runs.store(ArtifactKind.MARKET, market)
    try:
        drawn = await asyncio.to_thread(draw, market)
    except Exception as error:
        await _fail(delivery, run, error)
        return
    run.result_sha256 = await runs.store(ArtifactKind.RESULT, drawn.result)
    run.statistics = drawn.statistics
    run.state = advance(run.state, Step.COMPLETE)
    run.completed_at = datetime.now(UTC)
    runs.add(run)
    await delivery.emit(
        events.RunCompleted(
            run_id=run.id,
            attempt=run.attempts,
            market_sha256=run.market_sha256,
            market_path=path(run.id, "market"),
            result_sha256=run.result_sha256,
            result_path=path(run.id, "result"),
            statistics=events.RunStatistics.model_validate(drawn.statistics),
        )
    )
    await delivery.emit(
        events.ResultIssued(
            run_id=run.id,
            label=run.label,
            commitment_sha256=run.commitment_sha256,
            market=market.decode(),
            market_sha256=run.market_sha256,
            result=drawn.result.decode(),
            result_sha256=run.result_sha256,
        )
    )


async def _fail(delivery: Delivery[events.RunSeeded] | Delivery[events.RunRetried], run: Run, error: Exception) -> None:
    reason = (str(error) or type(error).__name__)[:MAX_REASON]
    log.error("loting: run %s failed (attempt %d): %s", run.id, run.attempts, reason, exc_info=error)
    run.state = advance(run.state, Step.FAIL)
    run.failure_reason = reason
    run.failed_at = datetime.now(UTC)
    Runs(delivery.session).add(run)
    await delivery.emit(events.RunFailed(run_id=run.id, attempt=run.attempts, reason=reason))
