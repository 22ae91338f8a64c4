"""The portal in-process with stand-in services (portaal_support.Services)."""

import base64
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from portaal_support import Services

from loket.portaal.app import build
from loket.portaal.settings import PortaalSettings


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
def portal(services: Services, tmp_path: Path) -> Iterator[TestClient]:
    settings = PortaalSettings(
        var_dir=tmp_path,
        cookie_secure=True,
        session_key=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    with TestClient(build(settings, httpx.MockTransport(services)), base_url="https://portaal.test") as client:
        yield client
