"""dossier over HTTP (httpx ASGITransport), with access tokens from a stand-in for identity."""

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from loket_test_support import TokenAuthority

sys.path.insert(0, str(Path(__file__).parent))

from dossier_support import Dossier

from loket.dossier.adapters.bsn import new_key
from loket.dossier.app import build
from loket.dossier.settings import DossierSettings

BSN_KEY = new_key()


def settings_for(database_url: str, authority: TokenAuthority, **more: Any) -> DossierSettings:
    more = {"LOKET_DOSSIER_BSN_KEY": BSN_KEY, **more}
    return DossierSettings(
        LOKET_DOSSIER_DATABASE_URL=database_url, identity_url=authority.url, token_issuer=authority.issuer, **more
    )


@pytest.fixture
async def dossier(migrated_database_url, token_authority):  # type: ignore[no-untyped-def]
    runtime, app = build(settings_for(migrated_database_url, token_authority))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
        yield Dossier(runtime, client, token_authority, app)
    await runtime.database.dispose()
