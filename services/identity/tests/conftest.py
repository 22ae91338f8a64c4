from uuid import uuid4

import httpx
import pytest
from loket_test_support import deliver

from loket.contracts.events import EventPayload, PupilRegistered
from loket.identity.app import build
from loket.identity.settings import IdentitySettings


def new_pupil(elk_number: str = "10001") -> PupilRegistered:
    return PupilRegistered(
        pupil_id=uuid4(), elk_number=elk_number, school_brin="12AB01", parent_email="ouder@example.org"
    )


@pytest.fixture
def pupil_registered():  # type: ignore[no-untyped-def]
    """Make a `dossier.pupil.registered` payload for a new pupil."""
    return new_pupil


class Identity:
    def __init__(self, runtime, client):  # type: ignore[no-untyped-def]
        self.runtime = runtime
        self.client = client

    async def deliver(self, payload: EventPayload, envelope=None) -> bool:  # type: ignore[no-untyped-def]
        return await deliver(self.runtime, payload, envelope)


@pytest.fixture
async def identity(migrated_database_url, tmp_path):  # type: ignore[no-untyped-def]
    settings = IdentitySettings(
        LOKET_IDENTITY_DATABASE_URL=migrated_database_url,
        LOKET_IDENTITY_PUBLIC_URL="https://ouders.loket.example",
        LOKET_IDENTITY_KEYS_DIR=tmp_path / "identity-keys",
    )
    runtime, app = build(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://identity") as client:
        yield Identity(runtime, client)
    await runtime.database.dispose()
