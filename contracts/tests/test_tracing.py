"""One trace from a school's click in dossier, through the outbox, the relay and RabbitMQ, into identity's
handler (`tracing.py`): the log lines of both carry its id, and the spans are linked parent to child."""

import asyncio
import logging
from datetime import date
from uuid import UUID, uuid4

import httpx
from fastapi import APIRouter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from loket.contracts.events import ParentLoginRequested
from loket.contracts.inbox import Delivery
from loket.contracts.runtime.logging import AddTrail

log = logging.getLogger("loket.tracing_probe")


class Lines(logging.Handler):
    """The log records as the service's handler sees them: through `AddTrail`."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(AddTrail("probe"))
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def saying(self, message: str) -> logging.LogRecord:
        [record] = [record for record in self.records if record.getMessage() == message]
        return record


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    by_id = {found.context.span_id: found for found in spans}
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


async def test_one_trace_runs_from_a_request_in_dossier_through_the_broker_into_identitys_handler(make_runtime):
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    dossier = await make_runtime("dossier", tracer_provider=provider)
    identity = await make_runtime("identity", tracer_provider=provider)
    lines = Lines()
    logging.getLogger().addHandler(lines)
    log.setLevel(logging.INFO)
    handled = asyncio.Event()

    @identity.consumer.on(ParentLoginRequested)
    async def open_the_login(delivery: Delivery[ParentLoginRequested]) -> None:
        log.info("identity opens the parent login")
        handled.set()

    school = APIRouter()

    @school.post("/pupils/{pupil_id}/parent-login", status_code=202)
    async def send_the_login(pupil_id: UUID) -> None:
        async with dossier.work() as uow:
            await uow.emit(
                ParentLoginRequested(
                    pupil_id=pupil_id,
                    elk_number="10001",
                    school_brin="12AB01",
                    birth_date=date(2014, 5, 2),
                    parent_email="ouder@example.org",
                )
            )
        log.info("dossier asked for the parent login")

    app = dossier.http_app(title="probe", description="probe", routers=[school])
    await identity.start()
    await dossier.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://dossier") as client:
            assert (await client.post(f"/pupils/{uuid4()}/parent-login")).status_code == 202
        await asyncio.wait_for(handled.wait(), 20)
    finally:
        logging.getLogger().removeHandler(lines)

    asked, opened = lines.saying("dossier asked for the parent login"), lines.saying("identity opens the parent login")
    assert len(asked.trace_id) == 32 and asked.trace_id == opened.trace_id  # type: ignore[attr-defined]

    async def the_handlers_span_ended() -> list[ReadableSpan]:
        for _ in range(50):
            spans = list(exported.get_finished_spans())
            if any(span.kind is SpanKind.CONSUMER and span.name.endswith(" process") for span in spans):
                return spans
            await asyncio.sleep(0.1)
        raise AssertionError(f"no span of the handler among {[span.name for span in exported.get_finished_spans()]}")

    spans = await the_handlers_span_ended()
    [request] = [span for span in spans if span.kind is SpanKind.SERVER and span.parent is None]
    assert request.attributes is not None and request.attributes.get("http.route") == "/pupils/{pupil_id}/parent-login"
    [handler] = [span for span in spans if span.kind is SpanKind.CONSUMER and span.name.endswith(" process")]
    assert request in ancestors(handler, spans), "the handler's span descends from the request's"
    assert any(span.kind is SpanKind.PRODUCER for span in ancestors(handler, spans)), "through the relay's publish"
    statements = [span for span in spans if span.kind is SpanKind.CLIENT and request in ancestors(span, spans)]
    assert statements, "the request's INSERT into the outbox is a span of its trace"
    assert {format(span.context.trace_id, "032x") for span in (request, handler, *statements)} == {asked.trace_id}  # type: ignore[attr-defined]
