"""`/readyz` is 200 only when the service's database and the broker both answer."""

import httpx

from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata


def runtime(database_url: str, broker_url: str, delivery_limit: int) -> Runtime:
    """loting's runtime, its queue declared as the test's vhost was provisioned."""
    metadata = service_metadata()
    messaging_tables(metadata)
    settings = ServiceSettings(database_url=database_url, broker_url=broker_url, delivery_limit=delivery_limit)
    return Runtime("loting", settings, metadata)


async def readiness(service: Runtime) -> httpx.Response:
    app = service.http_app(title="probe", description="probe")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as client:
        return await client.get("/readyz")


async def test_ready_when_database_and_broker_answer(database_url, broker_url, broker_delivery_limit):
    service = runtime(database_url, broker_url, broker_delivery_limit)
    await service.start()
    try:
        response = await readiness(service)
    finally:
        await service.stop()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


async def test_not_ready_while_the_database_does_not_answer(broker_url, broker_delivery_limit):
    nowhere = "postgresql+asyncpg://postgres@127.0.0.1:5432/loket_no_such_database"
    service = runtime(nowhere, broker_url, broker_delivery_limit)
    await service.start()
    try:
        response = await readiness(service)
    finally:
        await service.stop()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "broker": "ok"}


async def test_not_ready_without_a_broker_connection(database_url, broker_delivery_limit):
    service = runtime(database_url, "amqp://guest:guest@127.0.0.1:5672/", broker_delivery_limit)  # never started
    response = await readiness(service)
    await service.database.dispose()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}
