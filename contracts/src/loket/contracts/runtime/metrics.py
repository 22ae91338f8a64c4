"""A service's metrics for Prometheus, on a port of their own (`LOKET_METRICS_PORT`): never on the public
Ingress, which routes only the `http` port.

What the libraries count as it happens: HTTP requests by route and status with their latency
(prometheus-fastapi-instrumentator), events consumed and published by result (FastStream's Prometheus
middleware, on the consumer's broker and the relay's). What is read at the moment of the scrape: Loket's
own gauges — the outbox's waiting rows and the age of the oldest, the inbox, the dead letters, and what a
service adds (`Metrics.gauge`: notificatie's mails, loting's runs). Each registry is the runtime's own, so
that several runtimes in one test process never share a counter.

prometheus-client serves the registry from a thread of its own; a scrape asks the service's event loop
for the gauges (`run_coroutine_threadsafe`) because the database and the broker are the loop's.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIServer

import aio_pika
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from loket.contracts.runtime.build_info import commit, version_number

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT = 5.0
"""Seconds a scrape waits for the gauges; past it they are left out of that scrape, not made up."""

Reading = float | Mapping[tuple[str, ...], float]
"""A gauge's value, or its values by the values of its labels (beside `service`)."""


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Awaitable[Reading]]


class Metrics:
    def __init__(self, service: str, distribution: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self._gauges: list[_Gauge] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        info = Gauge(
            "loket_build_info",
            "Always 1: the version and commit this process runs.",
            ["service", "version", "commit"],
            registry=self.registry,
        )
        info.labels(service, version_number(distribution), commit()).set(1)
        self.registry.register(_AtScrape(self))

    def gauge(
        self, name: str, documentation: str, read: Callable[[], Awaitable[Reading]], labels: Iterable[str] = ()
    ) -> None:
        """A gauge read when Prometheus scrapes; `read` runs on the service's loop."""
        self._gauges.append(_Gauge(name, documentation, tuple(labels), read))

    async def read(self) -> list[GaugeMetricFamily]:
        """Every gauge as it is now; one that cannot be read is left out and logged."""
        families = []
        for gauge in self._gauges:
            try:
                reading = await gauge.read()
            except Exception:
                log.warning("%s: the metric %s could not be read", self.service, gauge.name, exc_info=True)
                continue
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=["service", *gauge.labels])
            values = reading if isinstance(reading, Mapping) else {(): reading}
            for label_values, value in values.items():
                family.add_metric([self.service, *label_values], float(value))
            families.append(family)
        return families

    def serve(self, host: str, port: int) -> None:
        """Serve `/metrics` on `port` from now until `close`; called on the service's loop."""
        self._loop = asyncio.get_running_loop()
        self._server, self._thread = start_http_server(port, addr=host, registry=self.registry)
        log.info("%s: metrics on port %d", self.service, self._server.server_port)

    @property
    def port(self) -> int | None:
        return None if self._server is None else self._server.server_port

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = self._loop = None


def measure_requests(app: FastAPI, metrics: Metrics) -> None:
    """HTTP requests by route template (never the path: it holds ids) and exact status, with latency."""
    Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=["/healthz", "/readyz"],
        registry=metrics.registry,
    ).instrument(app)


async def messages_waiting(broker_url: str, queue: str) -> int:
    """Messages ready in a queue; 0 for one not declared yet. On a connection of its own: asking for a
    queue that does not exist closes the channel that asked, and the service's channels must stay open."""
    connection = await aio_pika.connect(broker_url, timeout=SCRAPE_TIMEOUT)
    async with connection:
        channel = await connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return 0
        return int(declared.declaration_result.message_count or 0)


class _AtScrape(Collector):
    """The gauges of `Metrics.gauge`, read on the service's loop for each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Any]:
        return []  # their names are known only once read; none clashes with the libraries' own

    def collect(self) -> Iterator[GaugeMetricFamily]:
        loop = self.metrics._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return  # on the loop itself waiting for the loop would never end
        future = asyncio.run_coroutine_threadsafe(self.metrics.read(), loop)
        try:
            yield from future.result(timeout=SCRAPE_TIMEOUT)
        except TimeoutError:
            future.cancel()
            log.warning(
                "%s: the gauges took over %.0f s; left out of this scrape", self.metrics.service, SCRAPE_TIMEOUT
            )
