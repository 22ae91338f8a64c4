"""Wires the portal: settings, the session cookie, the services it calls, its pages and static files."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from loket.contracts.runtime.health import health_router
from loket.contracts.runtime.logging import CorrelationId
from loket.contracts.runtime.metrics import Metrics, measure_requests
from loket.contracts.runtime.sealing import Sealer
from loket.contracts.runtime.tracing import Tracing
from loket.portaal import i18n
from loket.portaal.http.account import account_router
from loket.portaal.http.ceremony import ceremony_router
from loket.portaal.http.documents import documents_router
from loket.portaal.http.external_pupils import external_pupils_router
from loket.portaal.http.oki_doc import oki_doc_router
from loket.portaal.http.primary import primary_router
from loket.portaal.http.problems import answer_problems
from loket.portaal.http.region import region_router
from loket.portaal.http.registration import registration_router
from loket.portaal.http.secondary import secondary_router
from loket.portaal.http.staff import staff_router
from loket.portaal.http.staff_account import staff_account_router
from loket.portaal.pages import session_of
from loket.portaal.security import PAGE_HEADERS, PRIVATE, STATIC
from loket.portaal.services import Services, Unavailable
from loket.portaal.sessions import COOKIE, SessionCookie
from loket.portaal.settings import PortaalSettings

STATIC_DIR = Path(__file__).parent / "static"
VENDOR = {  # the NL Design System's CSS, served from the npm packages (services/portaal/assets)
    "/static/vendor/utrecht": "@utrecht/component-library-css/dist",
    "/static/vendor/theme": "@nl-design-system-unstable/voorbeeld-design-tokens/dist",
}


def build(settings: PortaalSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or PortaalSettings()
    services = Services(settings, transport)
    sealer = Sealer(
        settings.session_key.get_secret_value() if settings.session_key else None,
        settings.var_dir / "portaal-session.key",
        "LOKET_PORTAAL_SESSION_KEY",
    )
    cookies = SessionCookie(sealer, secure=settings.cookie_secure)

    metrics = Metrics("portaal", "loket-portaal")
    tracing = Tracing.from_environment("portaal")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.metrics_port is not None:
            metrics.serve(settings.host, settings.metrics_port)
        try:
            yield
        finally:
            metrics.close()
            tracing.flush()
            await services.close()

    app = FastAPI(
        title="Loket portaal",
        description="The web portal: pages for parents and staff; it calls the services with the person's token.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.metrics = metrics

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        static = request.url.path.startswith("/static/")
        if not static:
            request.state.session = cookies.load(request.cookies.get(COOKIE))
            request.state.language = i18n.chosen(request.cookies.get(i18n.LANGUAGE_COOKIE))
        response = await call_next(request)
        if static:
            response.headers.update(STATIC if response.status_code == 200 else PRIVATE)
        else:
            session = session_of(request)
            if session.changed:
                cookies.save(response, session)
            response.headers.update(PRIVATE)
        response.headers.update(PAGE_HEADERS)
        # the time the portal took, services' answers included: what benchmarks/portal.py reports
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    app.add_middleware(GZipMiddleware, minimum_size=1000)
    measure_requests(app, metrics)
    tracing.instrument_app(app)
    app.add_middleware(CorrelationId)  # outermost: every log line of the request carries its id

    answer_problems(app)

    async def identity_answers() -> bool:
        """Without identity nobody can sign in: the portal is ready when identity answers."""
        try:
            return (await services.send("identity", "GET", "/healthz")).status_code == 200
        except Unavailable:
            return False

    app.include_router(health_router({"identity": identity_answers}))
    app.include_router(account_router(services))
    app.include_router(registration_router(services))
    app.include_router(documents_router(services))
    app.include_router(staff_router(services))
    app.include_router(staff_account_router(services))
    app.include_router(primary_router(services))
    app.include_router(oki_doc_router(services))
    app.include_router(secondary_router(services))
    app.include_router(region_router(services))
    app.include_router(external_pupils_router(services))
    app.include_router(ceremony_router(services))
    for prefix, folder in VENDOR.items():
        app.mount(prefix, StaticFiles(directory=settings.assets_dir / folder, check_dir=False), name=prefix)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
