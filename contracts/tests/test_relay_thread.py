"""The outbox relay runs beside the service's requests, not behind them: on a thread with an event loop,
an engine and a broker connection of its own (`relay_thread.py`)."""

import threading
import time
from datetime import UTC, datetime
from uuid import UUID

from loket_test_support import activation_issued, eventually
from sqlalchemy import select


async def sent_at(runtime, event_id: UUID) -> datetime | None:  # type: ignore[no-untyped-def]
    outbox = runtime.outbox.table
    async with runtime.database.transaction() as session:
        query = select(outbox.c.sent_at).where(outbox.c.event_id == event_id)
        return (await session.execute(query)).scalar_one()  # type: ignore[no-any-return]


async def test_the_relay_publishes_while_the_services_event_loop_is_busy(make_runtime):
    """A registration rush keeps the service's loop busy; before, the relay waited its turn behind every
    request, and aanmelding's outbox grew for as long as the rush lasted."""
    runtime = await make_runtime("identity")
    await runtime.start()
    async with runtime.work() as uow:
        envelope = await uow.emit(activation_issued())

    time.sleep(3)  # noqa: ASYNC251 — on purpose: the service's loop does nothing else for 3 s, as if a rush filled it
    busy_until = datetime.now(UTC)

    published = await sent_at(runtime, envelope.event_id)
    assert published is not None and published < busy_until, "the event went out while the loop was busy"


async def test_a_stopped_runtime_stops_its_relay_and_a_started_one_publishes_what_waited(make_runtime):
    runtime = await make_runtime("identity")
    await runtime.start()
    await runtime.stop()
    assert "identity-outbox-relay" not in {thread.name for thread in threading.enumerate()}

    async with runtime.work() as uow:  # committed while no relay runs
        envelope = await uow.emit(activation_issued())
    await runtime.start()
    await eventually(lambda: sent_at(runtime, envelope.event_id), what="the event committed while stopped")
