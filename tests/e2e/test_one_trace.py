"""One trace from a school's click to identity's handler, across real processes: dossier and identity
(PostgreSQL, RabbitMQ, their own broker users) export their spans over OTLP/HTTP to a collector of the
test's own. The request's log line in dossier and the handler's in identity carry the same trace id, and
the handler's span descends from the request's, through dossier's outbox relay and the broker."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from loket_test_support import eventually, free_port, staff_token
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage

PUPIL = {
    "given_name": "Sem",
    "family_name": "Jansen",
    "birth_date": "2014-05-02",
    "school_brin": "12AB01",
    "parent_email": "ouder.jansen@example.org",
}


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str


@contextmanager
def otlp_collector() -> Iterator[tuple[str, list[Span]]]:
    """An OTLP/HTTP trace receiver (protobuf, as the exporter sends it): its URL, and the spans it got."""
    received: list[Span] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
                for scope in resource.scope_spans:
                    received.extend(
                        Span(
                            attributes.get("service.name", ""),
                            span.name,
                            span.kind,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                        )
                        for span in scope.spans
                    )
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()


def log_lines(log: Path) -> list[dict[str, str]]:
    """The service's JSON log lines (FastStream's own text lines left out)."""
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def ancestors(span: Span, spans: list[Span]) -> list[Span]:
    by_id = {found.span_id: found for found in spans}
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


async def test_a_click_in_dossier_and_the_handler_in_identity_are_one_trace(start_services, tmp_path):
    with otlp_collector() as (collector, spans):
        tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        services = await start_services("identity", **tracing)
        services.update(await start_services("dossier", **tracing))
        dossier, identity = services["dossier"], services["identity"]
        school = {"Authorization": f"Bearer {staff_token(tmp_path / 'var', identity.url, school='12AB01')}"}
        async with httpx.AsyncClient() as client:
            created = await client.post(f"{dossier.url}/pupils", json=PUPIL, headers=school)
            assert created.status_code == 201, created.text
            pupil_id = created.json()["id"]
            sent = await client.post(f"{dossier.url}/pupils/{pupil_id}/parent-login", headers=school)
            assert sent.status_code == 202, sent.text

        async def the_request_line() -> dict[str, str] | None:
            click = f'"POST /pupils/{pupil_id}/parent-login HTTP/1.1" 202'
            return next((line for line in log_lines(dossier.log) if click in line["message"]), None)

        async def the_handlers_line() -> dict[str, str] | None:
            issued = [
                line for line in log_lines(identity.log) if line["message"].startswith("audit parent_login.issued")
            ]
            return issued[0] if issued else None

        asked = await eventually(the_request_line, what="dossier's line of the click")
        handled = await eventually(the_handlers_line, what="identity's line of the handled event")
        assert len(asked.get("trace_id", "")) == 32, asked
        assert handled.get("trace_id") == asked["trace_id"], (asked, handled)

        async def handler_span() -> Span | None:
            return next(
                (
                    s
                    for s in spans
                    if s.service == "loket-identity"
                    and s.trace_id == asked["trace_id"]
                    and s.kind == SpanMessage.SPAN_KIND_CONSUMER
                ),
                None,
            )

        handler = await eventually(handler_span, what="identity's span of the handler at the collector")

        async def the_request_span() -> Span | None:
            chain = ancestors(handler, list(spans))
            return next(
                (s for s in chain if s.service == "loket-dossier" and s.kind == SpanMessage.SPAN_KIND_SERVER), None
            )

        request = await eventually(the_request_span, what="the handler's span to descend from dossier's request")
        assert request.name == "POST /pupils/{pupil_id}/parent-login"
        services_in_trace = {s.service for s in spans if s.trace_id == asked["trace_id"]}
        assert services_in_trace == {"loket-dossier", "loket-identity"}
