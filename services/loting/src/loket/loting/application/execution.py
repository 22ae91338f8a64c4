"""Step 3 of the ceremony: once the run has its seed (or is retried), the engine runs the final market
(`domain/lottery.py`) and the run completes, or fails with the engine's reason. A completed run never
runs again, whatever arrives."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from loket.contracts.envelope import Envelope
from loket.contracts.events import loting as events
from loket.loting.application.publication import seen_on_bus
from loket.loting.application.reports import path
from loket.loting.domain.ceremony import MAX_REASON, Step, advance, runs_now
from loket.loting.domain.lottery import draw, final_market
from loket.loting.persistence.models import ArtifactKind, Run
from loket.loting.persistence.repository import Runs

if TYPE_CHECKING:
    from loket.contracts.runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def execute(uow: UnitOfWork[Any], envelope: Envelope[events.RunSeeded] | Envelope[events.RunRetried]) -> None:
    """Run the engine on the final market, store the market and the result, and issue the result."""
    run = await seen_on_bus(uow, envelope)
    if run is None:
        return
    if not runs_now(run.state):
        log.info("loting: run %s is %s; not executed again", run.id, run.state)
        return
    runs = Runs(uow.session)
    seed = await runs.seed(run.id)
    assert seed is not None, "a seeded run has its seed"
    commitment = await runs.content(run.commitment_sha256)
    run.attempts += 1
    # Only the engine's own failures fail the run; the database's propagate, and the event is redelivered.
    try:
        market = final_market(commitment, seed.seed)
    except Exception as error:
        await _fail(uow, run, error)
        return
    run.market_sha256 = await runs.store(ArtifactKind.MARKET, market, uow.now)
    try:
        drawn = await asyncio.to_thread(draw, market)
    except Exception as error:
        await _fail(uow, run, error)
        return
    run.result_sha256 = await runs.store(ArtifactKind.RESULT, drawn.result, uow.now)
    run.statistics = drawn.statistics
    run.state = advance(run.state, Step.COMPLETE)
    run.completed_at = uow.now
    runs.add(run)
    await uow.emit(
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
    await uow.emit(
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


async def _fail(uow: UnitOfWork[Any], run: Run, error: Exception) -> None:
    reason = (str(error) or type(error).__name__)[:MAX_REASON]
    log.error("loting: run %s failed (attempt %d): %s", run.id, run.attempts, reason, exc_info=error)
    run.state = advance(run.state, Step.FAIL)
    run.failure_reason = reason
    run.failed_at = uow.now
    Runs(uow.session).add(run)
    await uow.emit(events.RunFailed(run_id=run.id, attempt=run.attempts, reason=reason))
