"""A database that is briefly away is not poison: an event that arrives while PostgreSQL is stopped is
handled once it is back, with nothing dead-lettered, and a request meanwhile answers 503 with
`Retry-After`. Over a PostgreSQL cluster of the test's own (`stoppable_postgres`), really stopped and
started, and the real RabbitMQ."""

import asyncio
import errno
import logging
import sqlite3
import time

import asyncpg
import httpx
import pytest
from fastapi import APIRouter
from loket_test_support import activation_issued, eventually
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from loket.contracts.envelope import new_envelope
from loket.contracts.events import ActivationIssued
from loket.contracts.inbox import Delivery
from loket.contracts.runtime.dead_letters import dead_letters
from loket.contracts.runtime.transient import is_transient

STOPPED_FOR = 5.0


async def rows(runtime, table) -> int:  # type: ignore[no-untyped-def]
    async with runtime.database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def recording_consumer(make_runtime, database_url: str, **settings):  # type: ignore[no-untyped-def]
    """notificatie's queue with a handler that writes one effect per event, on `database_url`; started,
    with a pooled connection that a stop will break, as in a service that has been running."""
    consumer = await make_runtime("notificatie", database_url=database_url, **settings)
    handled: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def record(delivery: Delivery[ActivationIssued]) -> None:
        handled.append(str(delivery.envelope.event_id))
        await delivery.session.execute(insert(consumer.effects).values(what=delivery.payload.username))

    await consumer.start()
    assert await rows(consumer, consumer.effects) == 0
    consumer.handled = handled
    return consumer


async def publish(runtime, payload) -> str:  # type: ignore[no-untyped-def]
    envelope = new_envelope(payload, region="demo")
    await runtime.broker.publish(
        envelope.model_dump_json().encode(),
        exchange="loket.events",
        routing_key=envelope.routing_key,
        message_id=str(envelope.event_id),
        persist=True,
    )
    return str(envelope.event_id)


@pytest.mark.timeout(60)
async def test_an_event_arriving_while_the_database_is_stopped_is_handled_once_after_and_never_dead_lettered(
    stoppable_postgres, make_runtime, broker_url, caplog
):
    caplog.set_level(logging.WARNING, logger="loket.contracts.runtime.transient")
    consumer = await recording_consumer(make_runtime, stoppable_postgres.url())

    await asyncio.to_thread(stoppable_postgres.stop)
    stopped_at = time.monotonic()
    event_id = await publish(consumer, activation_issued(1))

    await asyncio.sleep(STOPPED_FOR - (time.monotonic() - stopped_at))
    # the delivery limit (2 here) would long be spent by now if every failure counted
    assert await dead_letters(broker_url, "notificatie") == []
    waits = [record for record in caplog.records if "trying again in" in record.getMessage()]
    assert len(waits) >= 3  # 0.5 s, 1 s, 2 s, …: it got the event, waited, growing the pause, logged each wait
    await asyncio.to_thread(stoppable_postgres.start)

    async def effects() -> list[str] | None:
        async with consumer.database.transaction() as session:
            found = list((await session.execute(select(consumer.effects.c.what))).scalars())
        return found or None

    assert await eventually(effects, within=20, what="the event handled after the restart") == ["10002"]
    await asyncio.sleep(0.5)  # a second handling, if there were one, would have shown by now
    assert await effects() == ["10002"]
    assert consumer.handled == [event_id]
    assert await rows(consumer, consumer.consumer.inbox) == 1
    assert await dead_letters(broker_url, "notificatie") == []


@pytest.mark.timeout(60)
async def test_a_database_away_longer_than_the_retry_bound_counts_against_the_delivery_limit(
    stoppable_postgres, make_runtime, broker_url
):
    consumer = await recording_consumer(make_runtime, stoppable_postgres.url(), retry_transient_for=0.6)
    await asyncio.to_thread(stoppable_postgres.stop)
    event_id = await publish(consumer, activation_issued(2))

    # three deliveries (delivery limit 2), each tried for 0.6 s: then the operator's dead-letter queue
    found = await eventually(lambda: dead_letters(broker_url, "notificatie"), within=20, what="the dead letter")
    assert [(letter.event_id, letter.reason) for letter in found] == [(event_id, "delivery_limit")]


@pytest.mark.timeout(60)
async def test_a_request_while_the_database_is_stopped_answers_503_with_retry_after_and_200_after(
    stoppable_postgres, make_runtime
):
    runtime = await make_runtime("notificatie", database_url=stoppable_postgres.url())
    router = APIRouter()

    @router.get("/effects")
    async def count_effects() -> dict[str, int]:
        async with runtime.work() as uow:
            found = (await uow.session.execute(select(func.count()).select_from(runtime.effects))).scalar_one()
        return {"effects": int(found)}

    @router.get("/broken")
    async def broken() -> None:
        async with runtime.work() as uow:
            await uow.session.execute(text("SELECT * FROM no_such_table"))

    app = runtime.http_app(title="probe", description="a route over the stoppable database", routers=[router])
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe", timeout=30) as client:
        assert (await client.get("/effects")).json() == {"effects": 0}

        await asyncio.to_thread(stoppable_postgres.stop)
        during = await client.get("/effects")
        assert during.status_code == 503
        assert during.headers["retry-after"] == "5"
        assert during.json() == {
            "detail": "The service cannot reach its database right now. Try again in a few seconds.",
            "code": "unavailable",
        }

        await asyncio.to_thread(stoppable_postgres.start)
        after = await client.get("/effects")
        assert (after.status_code, after.json()) == (200, {"effects": 0})
        assert (await client.get("/broken")).status_code == 500  # a real error is not dressed up as 503


def test_only_an_unreachable_database_or_broker_is_transient():
    # asyncpg straight, and as SQLAlchemy wraps it
    assert is_transient(ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"))
    assert is_transient(asyncpg.exceptions.CannotConnectNowError("the database system is starting up"))
    assert is_transient(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert is_transient(asyncpg.exceptions.InterfaceError("connection is closed"))
    assert is_transient(OSError("Multiple exceptions: [Errno 111] …, [Errno 99] …"))
    assert is_transient(TimeoutError())
    assert is_transient(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    invalidated = OperationalError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert is_transient(invalidated)
    # a bug or a refusal is not, however it is wrapped
    assert not is_transient(RuntimeError("the SMTP server is on fire"))
    assert not is_transient(FileNotFoundError(errno.ENOENT, "No such file"))
    assert not is_transient(PermissionError(errno.EACCES, "Permission denied"))
    assert not is_transient(asyncpg.exceptions.InterfaceError("another operation is in progress"))
    assert not is_transient(IntegrityError("INSERT", {}, asyncpg.exceptions.UniqueViolationError("duplicate key")))
    assert not is_transient(ProgrammingError("SELECT", {}, asyncpg.exceptions.UndefinedTableError("no table")))
    assert not is_transient(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: effect")))
    assert is_transient(OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")))
