"""Log lines: JSON with the service, the level and the logger, and the trail of what caused them — one
correlation id from a request through its event to the handler in another service — over the real
broker; secrets and query strings kept out; text for a person under `make up`."""

import asyncio
import json
import logging
from uuid import uuid4

import httpx
import pytest
from fastapi import APIRouter
from loket_test_support import activation_issued, eventually

from loket.contracts.events import ActivationIssued
from loket.contracts.inbox import Delivery
from loket.contracts.runtime.logging import bound, configure_logging


@pytest.fixture
def restored_logging():
    """configure_logging replaces the root logger's handlers; the test's are put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_line_is_json_with_the_service_and_the_bound_trail(capsys, restored_logging) -> None:
    configure_logging("dossier", "INFO", "json")
    correlation_id = uuid4()
    with bound(correlation_id=correlation_id, event="dossier.pupil.registered", event_id=None):
        logging.getLogger("loket.dossier.probe").info("pupil %s registered", "p-1")
    logging.getLogger("loket.dossier.probe").info("outside")

    inside, outside = lines(capsys.readouterr().err)
    assert inside["service"] == "dossier" and inside["level"] == "INFO" and inside["logger"] == "loket.dossier.probe"
    assert inside["message"] == "pupil p-1 registered" and inside["time"]
    assert inside["correlation_id"] == str(correlation_id) and inside["event"] == "dossier.pupil.registered"
    assert "event_id" not in inside, "an id that is not known is left out, not written as null"
    assert "correlation_id" not in outside


def test_tokens_in_links_and_query_strings_stay_out(capsys, restored_logging) -> None:
    configure_logging("identity", "INFO", "json")
    # uvicorn's access line, on a logger of the test's own: another test in this process may have
    # configured uvicorn's (`propagate=False`); the redaction is the handler's, whatever the logger
    access = logging.getLogger(f"loket.probe.access.{uuid4().hex}")
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1", "GET", "/activate/s3cr3t?next=/x&token=abc", "1.1", 200)
    access.info("is this a question? yes")
    line, question = lines(capsys.readouterr().err)
    assert "s3cr3t" not in line["message"] and "abc" not in line["message"]
    assert line["message"] == '10.0.0.1 - "GET /activate/…?… HTTP/1.1" 200'
    assert question["message"] == "is this a question? yes"


def test_text_for_a_person_names_the_trail_at_the_end(capsys, restored_logging) -> None:
    configure_logging("aanmelding", "INFO", "text")
    with bound(correlation_id="c-1"):
        logging.getLogger("loket.aanmelding").warning("a step")
    line = capsys.readouterr().err.strip()
    assert not line.startswith("{") and " WARNING aanmelding loket.aanmelding: a step [correlation_id=c-1]" in line


async def test_one_correlation_id_from_a_request_through_the_event_to_the_handler(
    make_runtime, capsys, restored_logging
):
    configure_logging("probe", "INFO", "json")
    producer, consumer = await make_runtime("identity"), await make_runtime("notificatie")
    handled: list[str] = []

    @consumer.consumer.on(ActivationIssued)
    async def mail(delivery: Delivery[ActivationIssued]) -> None:
        logging.getLogger("loket.notificatie.probe").info("mailing the activation link")
        handled.append(str(delivery.envelope.event_id))

    router = APIRouter()
    emitted: list[str] = []

    @router.post("/parent-logins")
    async def send_login() -> None:
        async with producer.work() as uow:  # no correlation id given: the request's is used
            emitted.append(str((await uow.emit(activation_issued())).event_id))
        logging.getLogger("loket.identity.probe").info("login sent")

    await consumer.start()
    app = producer.http_app(title="probe", description="probe", routers=[router])
    correlation_id = str(uuid4())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
            answer = await client.post("/parent-logins", headers={"X-Correlation-ID": correlation_id})
        assert answer.headers["X-Correlation-ID"] == correlation_id
        await eventually(lambda: asyncio.sleep(0, handled), what="the handler in the other service")

    logged = lines(capsys.readouterr().err)
    request = next(line for line in logged if line["message"] == "login sent")
    handler = next(line for line in logged if line["message"] == "mailing the activation link")
    assert request["correlation_id"] == handler["correlation_id"] == correlation_id
    assert handler["event"] == "identity.activation.issued.v2" and handler["event_id"] == emitted[0]
    assert all("ouder0@example.org" not in json.dumps(line) for line in logged), "no personal field"


async def test_a_request_without_a_correlation_id_starts_one_and_says_which(make_runtime, restored_logging):
    runtime = await make_runtime("identity")
    app = runtime.http_app(title="probe", description="probe")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        started = await client.get("/healthz")
        refused = await client.get("/healthz", headers={"X-Correlation-ID": "not-a-uuid"})
    assert len(started.headers["X-Correlation-ID"]) == 36
    assert refused.headers["X-Correlation-ID"] != "not-a-uuid"
