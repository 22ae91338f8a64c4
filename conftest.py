"""Fixtures every test may use: a throwaway PostgreSQL database, RabbitMQ vhost and SMTP server."""

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from loket.contracts.topology import DEFAULT_DELIVERY_LIMIT

sys.path.insert(0, str(Path(__file__).parent / "tests"))

from loket_test_support import (
    MigratedTemplates,
    SmtpServer,
    TokenAuthority,
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
def broker_delivery_limit() -> int:
    """The delivery limit the work queues of `broker_url`'s vhost are provisioned with."""
    return DEFAULT_DELIVERY_LIMIT


@pytest.fixture
def broker_url(broker_delivery_limit: int) -> Iterator[str]:
    """A RabbitMQ vhost of its own, provisioned: Loket's topology and a broker user per service
    (`broker_support.as_user`); the URL is the administrator's (guest)."""
    name, url = create_vhost(broker_delivery_limit)
    yield url
    delete_vhost(name)


@pytest.fixture
def token_authority() -> Iterator[TokenAuthority]:
    """Signs tokens like identity does and serves its JWKS over HTTP, for services that verify them."""
    authority = TokenAuthority()
    yield authority
    authority.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    import asyncio

    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    asyncio.run(templates.drop())


@pytest.fixture(params=["postgresql", "sqlite"])
async def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> AsyncIterator[str]:
    """A database of its own at the newest schema of the service under test (`loket.<service>`,
    named by the test module's `SERVICE`): PostgreSQL as in production, and SQLite, the embedded
    default of `make up`."""
    service = request.module.SERVICE
    if request.param == "sqlite":
        yield await migrated_templates.sqlite_file(service, tmp_path / "service.db")
        return
    name, url = await migrated_templates.postgresql(service)
    yield url
    await drop_database(name)
