"""Every service is built the same way and handles exactly the events routed to it."""

import importlib
from pathlib import Path

import httpx
import pytest

from loket.contracts.events import SERVICES
from loket.contracts.topology import SUBSCRIPTIONS

PORTS = {"identity": 8001, "dossier": 8002, "aanmelding": 8003, "loting": 8004, "notificatie": 8005}


def build(service: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    app_module = importlib.import_module(f"loket.{service}.app")
    settings_module = importlib.import_module(f"loket.{service}.settings")
    settings_class = next(
        value
        for name, value in vars(settings_module).items()
        if name.endswith("Settings") and getattr(value, "__module__", None) == settings_module.__name__
    )
    return app_module.build(settings_class(var_dir=tmp_path)), settings_class


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_handles_exactly_the_events_the_topology_routes_to_it(service, tmp_path):
    (runtime, _app), _ = build(service, tmp_path)
    expected = sorted(event.routing_key() for event in SUBSCRIPTIONS.get(service, ()))
    assert sorted(runtime.consumer.handlers) == expected


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_own_port_database_variable_and_sqlite_file(service, tmp_path, monkeypatch):
    monkeypatch.delenv(f"LOKET_{service.upper()}_DATABASE_URL", raising=False)
    (runtime, _app), settings_class = build(service, tmp_path)
    assert runtime.settings.port == PORTS[service]
    assert settings_class.model_fields["database_url"].validation_alias == f"LOKET_{service.upper()}_DATABASE_URL"
    assert runtime.database.url.endswith(f"/{service}.db")


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_serves_health_and_openapi_without_starting(service, tmp_path):
    (_runtime, app), _ = build(service, tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "checks": {}}
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/healthz", "/readyz"} <= set(paths)
