"""A service-less runtime for testing the backbone: the `notificatie` queue with handlers the test
chooses, and a table a handler can write its effects to."""

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata

RuntimeFactory = Callable[..., Runtime]


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
async def make_runtime(database_url: str, broker_url: str) -> AsyncIterator[RuntimeFactory]:
    """Build runtimes on the test's own database and vhost; everything built is stopped after."""
    built: list[Runtime] = []

    def make(service: str = "notificatie", **overrides: object) -> Runtime:
        metadata, effects = probe_metadata()
        settings = ServiceSettings(
            database_url=database_url,
            broker_url=broker_url,
            delivery_limit=2,
            prefetch=1,
            relay_poll_interval=0.2,
            relay_backoff_cap=1.0,
            **overrides,  # type: ignore[arg-type]
        )
        runtime = Runtime(service, settings, metadata)
        runtime.effects = effects  # type: ignore[attr-defined]
        built.append(runtime)
        return runtime

    probe, _ = probe_metadata()
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(probe.create_all)
    await engine.dispose()
    yield make
    for runtime in built:
        await runtime.stop()
