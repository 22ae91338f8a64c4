"""`/readyz` is 200 only when the service's database and the broker both answer."""

import httpx

from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata


def runtime(database_url: str, broker_url: str) -> Runtime:
    metadata = service_metadata()
    messaging_tables(metadata)
    return Runtime("loting", ServiceSettings(database_url=database_url, broker_url=broker_url), metadata)


async def readiness(service: Runtime) -> httpx.Response:
    app = service.http_app(title="probe", description="probe")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
        return await client.get("/readyz")


async def test_ready_when_database_and_broker_answer(database_url, broker_url):
    service = runtime(database_url, broker_url)
    await service.start()
    try:
        response = await readiness(service)
    finally:
        await service.stop()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


async def test_not_ready_while_the_database_does_not_answer(broker_url):
    service = runtime("postgresql+asyncpg://postgres@127.0.0.1:5432/loket_no_such_database", broker_url)
    await service.start()
    try:
        response = await readiness(service)
    finally:
        await service.stop()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "broker": "ok"}


async def test_not_ready_without_a_broker_connection(database_url):
    service = runtime(database_url, "amqp://guest:guest@127.0.0.1:5672/")  # never started
    response = await readiness(service)
    await service.database.dispose()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}
