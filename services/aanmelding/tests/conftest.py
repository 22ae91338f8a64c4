"""aanmelding over HTTP (httpx ASGITransport), under a clock the test sets, with access tokens from a
stand-in for identity. `region` picks the shipped procedure (default: the demo region)."""

import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from loket_test_support import TokenAuthority

sys.path.insert(0, str(Path(__file__).parent))

from aanmelding_support import IN_THE_WINDOW, Aanmelding, Clock

from loket.aanmelding.app import build
from loket.aanmelding.settings import AanmeldingSettings


@pytest.fixture
def region() -> str:
    return "demo"


@pytest.fixture
def procedure_file() -> Path | None:
    """A procedure file of the test's own; None: the one Loket ships for the region."""
    return None


@pytest.fixture
async def aanmelding(migrated_database_url, region, procedure_file):  # type: ignore[no-untyped-def]
    authority = TokenAuthority(region=region)
    runtime, app = build(
        AanmeldingSettings(
            LOKET_AANMELDING_DATABASE_URL=migrated_database_url,
            region=region,
            LOKET_AANMELDING_PROCEDURE_FILE=procedure_file,
            identity_url=authority.url,
            token_issuer=authority.issuer,
        )
    )
    first_round = app.state.procedure.rounds[0].registration.opens + timedelta(days=1)
    clock = Clock(IN_THE_WINDOW if region == "demo" else first_round)
    runtime.work.clock = clock
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://aanmelding") as client:
        yield Aanmelding(runtime, app, client, authority, clock)
    await runtime.database.dispose()
    authority.close()
