"""Pods of a service migrating its database at the same moment (each pod's init container does, as its
own process): all of them finish, and the schema is migrated once."""

import asyncio
import os
import sys

from loket_test_support import create_database, drop_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def migrate(url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "loket.dossier",
        "migrate",
        env={**os.environ, "LOKET_DOSSIER_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()


async def test_three_pods_migrating_at_once_all_succeed_and_the_schema_is_migrated_once():
    name, url = await create_database("loket_test_migrate")
    try:
        results = await asyncio.gather(*(migrate(url) for _ in range(3)))

        assert [output for code, output in results if code != 0] == []
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        finally:
            await engine.dispose()
        assert len(versions) == 1
    finally:
        await drop_database(name)
