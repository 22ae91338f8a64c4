"""loting's own events as they come back from the bus: each is kept for the proces-verbaal (by then
it is public), and the commitment seen published opens the run for its seed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from loket.contracts.envelope import Envelope
from loket.contracts.events import loting as events
from loket.loting.domain.ceremony import OutOfOrder, Step, advance
from loket.loting.persistence.models import Run, RunPublication
from loket.loting.persistence.repository import Runs

if TYPE_CHECKING:
    from loket.contracts.runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def seen_on_bus(uow: UnitOfWork[Any], envelope: Envelope[Any]) -> Run | None:
    """Keep one of the run's own events as it came back from the bus: by now it is public."""
    runs = Runs(uow.session)
    run = await runs.get(envelope.payload.run_id, for_update=True)
    if run is None:
        log.warning("loting: %s for unknown run %s", envelope.routing_key, envelope.payload.run_id)
        return None
    runs.add(
        RunPublication(
            event_id=envelope.event_id,
            run_id=run.id,
            routing_key=envelope.routing_key,
            occurred_at=envelope.occurred_at,
            seen_on_bus_at=uow.now,
            payload=envelope.payload.model_dump(mode="json"),
        )
    )
    return run


async def commitment_published(uow: UnitOfWork[Any], envelope: Envelope[events.RunCommitted]) -> None:
    """Step 1 done: the commitment came back from the bus, so from now on a seed may be entered."""
    run = await seen_on_bus(uow, envelope)
    if run is None:
        return
    try:
        run.state = advance(run.state, Step.PUBLISH_COMMITMENT)
    except OutOfOrder as refused:
        log.info("loting: run %s: %s", run.id, refused)
        return
    run.commitment_published_at = uow.now
    Runs(uow.session).add(run)
