"""loting over HTTP with a region administrator's token, on a migrated database of its own."""

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from loting_support import Loting, operator

from loket.loting.app import build
from loket.loting.settings import LotingSettings


@pytest.fixture
async def loting(migrated_database_url, token_authority):  # type: ignore[no-untyped-def]
    runtime, app = build(
        LotingSettings(
            LOKET_LOTING_DATABASE_URL=migrated_database_url,
            identity_url=token_authority.url,
            token_issuer=token_authority.issuer,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://loting", headers=operator(token_authority)
    ) as client:
        yield Loting(runtime, client)
    await runtime.database.dispose()
