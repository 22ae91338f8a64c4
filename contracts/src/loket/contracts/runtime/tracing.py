"""Traces: one parent's click followed through the services, their databases and RabbitMQ (OpenTelemetry).

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set: then spans go over OTLP/HTTP
to that collector, with the other standard `OTEL_…` variables honoured by the exporter. What is traced:
each HTTP request (FastAPI's instrumentation), each statement (SQLAlchemy's, on the service's engine),
each call to another service (httpx's, with the trace in its `traceparent` header), and each event
published and handled (FastStream's telemetry middleware, which carries the trace in the message's
`traceparent` header).

An event is published by the outbox relay, on a thread of its own and after the request has answered,
so the request's trace would end at the commit. The outbox keeps the W3C trace context of the moment
the event was raised in its row (`trace_context`), and the relay publishes the row inside it
(`outbox.py`): the trace runs on from the request through the broker into the handler of the service
that receives it. The log lines written meanwhile carry the trace id (`logging.py`)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy.ext.asyncio import AsyncEngine

from loket.contracts.runtime.build_info import commit, version_number

UNTRACED_URLS = "healthz,readyz"
"""Probes every few seconds: spans of nothing."""


def tracer_provider_from_environment(service: str) -> TracerProvider | None:
    """A provider exporting over OTLP when a collector is configured; None (no tracing) otherwise."""
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    distribution = f"loket-{service}"
    resource = Resource.create(
        {"service.name": distribution, "service.version": version_number(distribution), "vcs.commit": commit()}
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class Tracing:
    """What one service traces, with its provider; without one every method does nothing."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self.provider = provider

    @classmethod
    def from_environment(cls, service: str) -> Tracing:
        """The process's tracing; its calls to other services (httpx, every client of the process) too."""
        provider = tracer_provider_from_environment(service)
        if provider is not None:
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor().instrument(tracer_provider=provider)
        return cls(provider)

    @property
    def on(self) -> bool:
        return self.provider is not None

    def broker_middlewares(self) -> list[Any]:
        if self.provider is None:
            return []
        from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

        return [RabbitTelemetryMiddleware(tracer_provider=self.provider)]

    def instrument_app(self, app: FastAPI) -> None:
        if self.provider is not None:
            FastAPIInstrumentor.instrument_app(app, tracer_provider=self.provider, excluded_urls=UNTRACED_URLS)

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """This engine's statements as spans. Per engine, not `SQLAlchemyInstrumentor().instrument()`: that
        patches every engine of the process, once, and a test runs several services in one process."""
        if self.provider is None:
            return
        tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", tracer_provider=self.provider)
        usage = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
            "db.client.connections.usage"
        )
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    def flush(self) -> None:
        """Send the spans still waiting (a stopping service); the provider stays usable for a restart."""
        if self.provider is not None:
            self.provider.force_flush()
