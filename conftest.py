"""Fixtures every test may use: a throwaway PostgreSQL database, RabbitMQ vhost and SMTP server."""

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))

from loket_test_support import (  # noqa: E402
    SmtpServer,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
)


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own."""
    name, url = await create_database()
    yield url
    await drop_database(name)


@pytest.fixture
def broker_url() -> Iterator[str]:
    """A RabbitMQ vhost of its own."""
    name, url = create_vhost()
    yield url
    delete_vhost(name)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
async def migrated_database_url(request: pytest.FixtureRequest, database_url: str) -> str:
    """`database_url` brought to the newest schema of the service under test (`loket.<service>`,
    named by the test module's `SERVICE`)."""
    import asyncio

    from loket.contracts.runtime.migrations import upgrade

    await asyncio.to_thread(upgrade, f"loket.{request.module.SERVICE}", database_url)
    return database_url
