"""A service-less runtime for testing the backbone: the `notificatie` queue with handlers the test
chooses, and a table a handler can write its effects to."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from loket_test_servers import stoppable_postgres as stoppable_postgres  # a fixture for the fault tests
from loket_test_support import create_database, drop_database
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import create_async_engine

from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata

RuntimeFactory = Callable[..., Awaitable[Runtime]]
DELIVERY_LIMIT = 2


def probe_metadata() -> tuple[MetaData, Table]:
    metadata = service_metadata()
    messaging_tables(metadata)
    effects = Table(
        "effect",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("what", String(200), nullable=False),
    )
    return metadata, effects


@pytest.fixture
def broker_delivery_limit() -> int:
    return DELIVERY_LIMIT  # the vhost's work queues are provisioned as make_runtime's runtimes declare them


@pytest.fixture
async def make_runtime(broker_url: str) -> AsyncIterator[RuntimeFactory]:
    """Build runtimes on the test's vhost, each with a database of its own, as separate services
    have; everything built is stopped and dropped after the test. `database_url`: a database the test
    keeps itself (on a cluster it stops); `overrides`: other settings."""
    built: list[Runtime] = []
    databases: list[str] = []

    async def make(
        service: str = "notificatie",
        *,
        database_url: str | None = None,
        tracer_provider: TracerProvider | None = None,
        **overrides: Any,
    ) -> Runtime:
        if database_url is None:
            name, url = await create_database()
            databases.append(name)
        else:
            url = database_url
        metadata, effects = probe_metadata()
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await engine.dispose()
        settings = ServiceSettings(
            database_url=url,
            broker_url=broker_url,
            delivery_limit=DELIVERY_LIMIT,
            prefetch=1,
            relay_poll_interval=0.2,
            relay_backoff_cap=1.0,
            **overrides,
        )
        runtime = Runtime(service, settings, metadata, tracer_provider=tracer_provider)
        runtime.effects = effects  # type: ignore[attr-defined]
        built.append(runtime)
        return runtime

    yield make
    for runtime in built:
        await runtime.stop()
        await runtime.database.dispose()
    for name in databases:
        await drop_database(name)
