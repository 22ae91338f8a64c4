"""notificatie's tests share `notificatie_support.py` beside them, and a notificatie on its own database
mailing the test's SMTP server (`notificatie`)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from notificatie_support import LINK_KEY

from loket.notificatie.app import build
from loket.notificatie.settings import NotificatieSettings


@pytest.fixture(autouse=True)
def link_key(monkeypatch):  # type: ignore[no-untyped-def]
    """Every notificatie here opens links with the key the tests seal them with (LOKET_LINK_KEY)."""
    monkeypatch.setenv("LOKET_LINK_KEY", LINK_KEY)


@pytest.fixture
async def notificatie(migrated_database_url, smtp):  # type: ignore[no-untyped-def]
    runtime, _app = build(
        NotificatieSettings(
            LOKET_NOTIFICATIE_DATABASE_URL=migrated_database_url,
            LOKET_NOTIFICATIE_SMTP_PORT=smtp.port,
            LOKET_NOTIFICATIE_SMTP_TIMEOUT=5,
        )
    )
    yield runtime
    await runtime.database.dispose()
