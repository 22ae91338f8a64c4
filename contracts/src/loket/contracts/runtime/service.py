"""A service's runtime: database, broker, outbox relay, inbox consumer and the HTTP app, started and
stopped together. Each service builds one in its `app.py` and adds its routes and handlers."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.prometheus import RabbitPrometheusMiddleware
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import MetaData, Table, func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from loket.contracts.inbox import Consumer
from loket.contracts.outbox import Outbox, OutboxRelay
from loket.contracts.runtime.api_docs import api_docs_router
from loket.contracts.runtime.auth import ImpersonationHeader
from loket.contracts.runtime.database import Database, sqlite_url
from loket.contracts.runtime.errors import answer_problems
from loket.contracts.runtime.health import health_router
from loket.contracts.runtime.logging import CorrelationId
from loket.contracts.runtime.metrics import Metrics, measure_requests, messages_waiting
from loket.contracts.runtime.relay_thread import RelayThread
from loket.contracts.runtime.security import SecurityHeaders
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.runtime.tracing import Tracing
from loket.contracts.runtime.unit_of_work import Work, utc_now
from loket.contracts.topology import EVENTS_EXCHANGE, ServiceQueues, declare_service_topology

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 10.0


class ServiceApp(FastAPI):
    """A service's FastAPI app, with the security headers (`security.py`) outside all of its middleware,
    Starlette's handler of unexpected errors included, so that every answer carries them; outside those
    the request's correlation id (`logging.py`), so that every log line the request causes carries it.

    Wrapped around the app's own call rather than its middleware stack: OpenTelemetry's FastAPI
    instrumentation rebuilds that stack and expects Starlette's error handler outermost (tracing.py)."""

    _outermost: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._outermost is None:
            self._outermost = CorrelationId(SecurityHeaders(super().__call__))
        await self._outermost(scope, receive, send)


async def publish_event(broker: RabbitBroker, routing_key: str, body: bytes, properties: dict[str, Any]) -> None:
    """Publish an outbox row's event: persistent, mandatory, confirmed (the broker's channel asks confirms)."""
    await broker.publish(
        body,
        exchange=EVENTS_EXCHANGE,
        routing_key=routing_key,
        persist=True,
        mandatory=True,
        content_type="application/json",
        timeout=PUBLISH_TIMEOUT,
        **properties,
    )


class Runtime:
    def __init__(
        self,
        service: str,
        settings: ServiceSettings,
        metadata: MetaData,
        *,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        """`tracer_provider`: a test's; None: from the environment (`OTEL_EXPORTER_OTLP_ENDPOINT`), or off."""
        self.service = service
        self.settings = settings
        self.tracing = Tracing(tracer_provider) if tracer_provider else Tracing.from_environment(service)
        self.database = Database(settings.database_url or sqlite_url(settings.var_dir, service))
        self.tracing.instrument_engine(self.database.engine)
        outbox_table, inbox_table = metadata.tables["outbox"], metadata.tables["inbox"]
        self.metrics = Metrics(service, f"loket-{service}")
        self._counted = RabbitPrometheusMiddleware(registry=self.metrics.registry, app_name=service)
        self.broker = self._events_broker()
        self.outbox = Outbox(service, outbox_table, settings.region)
        self.relay = OutboxRelay(
            self.database,
            outbox_table,
            self._publish,
            poll_interval=settings.relay_poll_interval,
            backoff_cap=settings.relay_backoff_cap,
            retention=timedelta(hours=settings.outbox_retention_hours),
        )
        self._relay_thread: RelayThread | None = None
        self.outbox.attach(self._wake_relay)
        self.work: Work[Any] = Work(self.database, self.outbox)
        self.consumer = Consumer(service, self.work, inbox_table, retry_transient_for=settings.retry_transient_for)
        self._periodic: list[tuple[str, float, Callable[[], Awaitable[object]]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._subscribed = False
        self._measure_messaging(outbox_table, inbox_table)

    def _measure_messaging(self, outbox: Table, inbox: Table) -> None:
        self.metrics.gauge(
            "loket_outbox_waiting", "Events in the outbox not yet published.", lambda: outbox_waiting(self, outbox)
        )
        self.metrics.gauge(
            "loket_outbox_oldest_waiting_seconds",
            "Age of the oldest event in the outbox not yet published (0: none waits).",
            lambda: oldest_waiting(self, outbox),
        )
        self.metrics.gauge("loket_inbox_rows", "Events the inbox remembers as handled.", lambda: rows(self, inbox))
        self.metrics.gauge(
            "loket_dead_letters",
            "Messages lying in the service's dead-letter queue.",
            self._dead_letters,
            labels=["queue"],
        )

    async def _dead_letters(self) -> dict[tuple[str, ...], float]:
        dead = ServiceQueues(self.service).dead.name
        return {(dead,): await messages_waiting(self.settings.broker_url, dead)}

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """Run `job` every `seconds` while the service runs (started after the broker, stopped first). A
        failing round is logged and the next one comes; with several replicas each runs it, so a job
        must take its work with row locks (`FOR UPDATE SKIP LOCKED`)."""
        self._periodic.append((name, seconds, job))

    async def _repeat(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except Exception:
                log.exception("%s: %s failed; trying again in %.0f s", self.service, name, seconds)
            await asyncio.sleep(seconds)

    def _wake_relay(self) -> None:
        if self._relay_thread is not None:
            self._relay_thread.wake()
        else:
            self.relay.wake.set()

    def _events_broker(self) -> RabbitBroker:
        return RabbitBroker(
            self.settings.broker_url,
            # an unroutable event must come back as an error, never vanish (outbox relay)
            default_channel=Channel(publisher_confirms=True, on_return_raises=True),
            app_id=f"loket.{self.service}",
            middlewares=[self._counted, *self.tracing.broker_middlewares()],
            graceful_timeout=15.0,
        )

    @asynccontextmanager
    async def _relay_on_its_own(self) -> AsyncIterator[OutboxRelay]:
        """The relay for `RelayThread`: an engine and a broker connection of the thread's loop."""
        database, broker = Database(self.database.url), self._events_broker()
        try:
            await broker.connect()
            yield self.relay.on(database, functools.partial(publish_event, broker))
        finally:
            await broker.stop()
            await database.dispose()

    async def _publish(self, routing_key: str, body: bytes, properties: dict[str, Any]) -> None:
        await publish_event(self.broker, routing_key, body, properties)

    async def start(self) -> None:
        if not self._subscribed:
            self.consumer.subscribe(
                self.broker, delivery_limit=self.settings.delivery_limit, prefetch=self.settings.prefetch
            )
            self._subscribed = True
        # Start first: the subscriber declares its queue on its own channel, with its prefetch. The
        # broker's declarer caches a queue with the channel that first declared it, so declaring
        # the topology first would leave the subscriber consuming without a prefetch limit.
        await self.broker.start()
        await declare_service_topology(self.broker, self.service, self.settings.delivery_limit)
        self._relay_thread = RelayThread(f"{self.service}-outbox-relay", self._relay_on_its_own)
        await self._relay_thread.start()
        self._tasks = [asyncio.create_task(self._repeat(*periodic)) for periodic in self._periodic]
        if self.settings.metrics_port is not None:
            self.metrics.serve(self.settings.host, self.settings.metrics_port)
        self._started = True
        log.info("%s started (region %s)", self.service, self.settings.region)

    async def stop(self) -> None:
        if not self._started:
            return
        self.metrics.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._relay_thread is not None:
            await self._relay_thread.stop()
            self._relay_thread = None
        await self.broker.stop()
        await self.database.dispose()
        self.tracing.flush()
        self._started = False

    async def broker_ready(self) -> bool:
        return await self.broker.ping(timeout=2.0)

    def http_app(self, *, title: str, description: str, routers: Sequence[APIRouter] = ()) -> FastAPI:
        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = ServiceApp(
            title=title,
            description=description,
            version="0.1.0",
            lifespan=lifespan,
            # Swagger UI from the service itself, or not at all (api_docs.py); no ReDoc
            docs_url=None,
            redoc_url=None,
            swagger_ui_oauth2_redirect_url=None,
        )
        app.state.runtime = self
        app.add_middleware(ImpersonationHeader)
        measure_requests(app, self.metrics)
        self.tracing.instrument_app(app)
        answer_problems(app)
        app.include_router(health_router({"database": self.database.ping, "broker": self.broker_ready}))
        if self.settings.api_docs and app.openapi_url:
            app.include_router(api_docs_router(title, app.openapi_url))
        for router in routers:
            app.include_router(router)
        return app


async def outbox_waiting(runtime: Runtime, outbox: Table) -> int:
    async with runtime.database.transaction() as session:
        found = await session.execute(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))
        return int(found.scalar_one())


async def oldest_waiting(runtime: Runtime, outbox: Table) -> float:
    async with runtime.database.transaction() as session:
        found = await session.execute(select(func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None)))
        oldest = found.scalar_one()
    return 0.0 if oldest is None else max(0.0, (utc_now() - oldest).total_seconds())


async def rows(runtime: Runtime, table: Table) -> int:
    async with runtime.database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())
