"""The unit of work: the change, its events and its audit entries commit together or not at all, the
relay is woken after a commit with events, and a refusal is answered the same way by every service."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from fastapi import APIRouter
from loket_test_support import activation_issued
from sqlalchemy import func, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from loket.contracts.errors import Conflict, Forbidden, Invalid, NotFound, NotNow, Where


class Trail:
    """A service's audit trail, as the unit of work hands it out: bound to the transaction's session."""

    def __init__(self, session: AsyncSession, table) -> None:  # type: ignore[no-untyped-def]
        self.session, self.table = session, table

    async def record(self, what: str) -> None:
        await self.session.execute(insert(self.table).values(what=f"audit {what}"))


async def rows(runtime, table) -> int:  # type: ignore[no-untyped-def]
    async with runtime.work() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_change_its_event_and_its_audit_entry_commit_together(make_runtime):
    runtime = await make_runtime("identity")
    runtime.work.audit = lambda session: Trail(session, runtime.effects)
    runtime.relay.wake.clear()

    async with runtime.work() as uow:
        await uow.session.execute(insert(runtime.effects).values(what="change"))
        envelope = await uow.emit(activation_issued())
        await uow.audit.record("change")

    assert uow.events == [envelope]
    assert await rows(runtime, runtime.effects) == 2
    assert await rows(runtime, runtime.outbox.table) == 1
    assert runtime.relay.wake.is_set(), "the relay is woken after a commit with events"


async def test_a_use_case_that_fails_leaves_no_change_no_event_and_no_audit_entry(make_runtime):
    runtime = await make_runtime("identity")
    runtime.work.audit = lambda session: Trail(session, runtime.effects)
    runtime.relay.wake.clear()

    async def refused_use_case() -> None:
        async with runtime.work() as uow:
            await uow.session.execute(insert(runtime.effects).values(what="change"))
            await uow.emit(activation_issued())
            await uow.audit.record("change")
            raise Conflict("the state says no")

    with pytest.raises(Conflict):
        await refused_use_case()

    assert await rows(runtime, runtime.effects) == 0
    assert await rows(runtime, runtime.outbox.table) == 0
    assert not runtime.relay.wake.is_set()


async def test_the_clock_is_the_work_s_own_and_a_test_may_set_it(make_runtime):
    runtime = await make_runtime("identity")
    moment = datetime(2027, 3, 1, 9, tzinfo=UTC)
    async with runtime.work.with_clock(lambda: moment)() as uow:
        assert uow.now == moment
    async with runtime.work() as uow:
        assert abs(uow.now - datetime.now(UTC)) < timedelta(seconds=5)


async def test_an_event_emitted_in_a_handler_names_the_delivered_event_as_its_cause(make_runtime):
    runtime = await make_runtime("identity")
    correlation, cause = uuid4(), uuid4()
    async with runtime.work(correlation_id=correlation, causation_id=cause) as uow:
        envelope = await uow.emit(activation_issued())
    assert (envelope.correlation_id, envelope.causation_id) == (correlation, cause)


async def test_the_events_of_one_request_share_one_correlation_id(make_runtime):
    """A request starts one chain: every event it raises carries the same new correlation id, and none
    has a cause unless it names one raised before it."""
    runtime = await make_runtime("identity")
    async with runtime.work() as uow:
        first = await uow.emit(activation_issued())
        second = await uow.emit(activation_issued(), caused_by=first.event_id)
    async with runtime.work() as uow:
        other = await uow.emit(activation_issued())
    assert first.correlation_id == second.correlation_id != other.correlation_id
    assert (first.causation_id, second.causation_id) == (None, first.event_id)


@pytest.mark.parametrize(
    ("refusal", "status", "body"),
    [
        (NotFound("pupil not found"), 404, {"detail": "pupil not found"}),
        (Forbidden("only the school", code="not_yours", school="00AA"), 403,
         {"detail": "only the school", "code": "not_yours", "ctx": {"school": "00AA"}}),
        (NotNow("the round is closed", code="window_not_open"), 409,
         {"detail": "the round is closed", "code": "window_not_open", "ctx": {}}),
        (Conflict("not complete", missing=[{"tab": "advice"}]), 409,
         {"detail": {"message": "not complete", "missing": [{"tab": "advice"}]}}),
        (Invalid("preferences.2", "not a program", code="unknown_program", program="X"), 422,
         {"detail": [{"loc": ["body", "preferences", 2], "msg": "not a program", "type": "unknown_program",
                      "ctx": {"program": "X"}}]}),
        (Invalid([Where("name", "empty"), Where("born", "in the future")]), 422,
         {"detail": [{"loc": ["body", "name"], "msg": "empty", "type": "value_error"},
                     {"loc": ["body", "born"], "msg": "in the future", "type": "value_error"}]}),
    ],
)  # fmt: skip
async def test_every_service_answers_a_refusal_with_its_status_and_body(make_runtime, refusal, status, body):
    runtime = await make_runtime("identity")
    router = APIRouter()

    @router.post("/refuse")
    async def refuse() -> None:
        raise refusal

    app = runtime.http_app(title="probe", description="probe", routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        response = await client.post("/refuse")
    assert (response.status_code, response.json()) == (status, body)
