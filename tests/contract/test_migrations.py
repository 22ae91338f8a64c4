"""Each service's migrations build exactly the schema its models describe, on PostgreSQL and SQLite."""

import asyncio

import pytest
from alembic import command

from loket.contracts.events import SERVICES
from loket.contracts.runtime.migrations import alembic_config, upgrade


def check(service: str, url: str) -> None:
    upgrade(f"loket.{service}", url)
    command.check(alembic_config(f"loket.{service}", url))  # raises when models and migrations differ


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models_on_postgresql(service, database_url):
    await asyncio.to_thread(check, service, database_url)


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models_on_sqlite(service, tmp_path):
    await asyncio.to_thread(check, service, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_go_down_as_well_as_up(service, database_url):
    config = alembic_config(f"loket.{service}", database_url)
    await asyncio.to_thread(upgrade, f"loket.{service}", database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(upgrade, f"loket.{service}", database_url)
