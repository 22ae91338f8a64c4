"""Wires the portal: settings, the session cookie, the services it calls, its pages and static files."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from loket.contracts.runtime.health import health_router
from loket.contracts.runtime.sealing import Sealer
from loket.portaal import i18n
from loket.portaal.http.account import account_router
from loket.portaal.http.documents import documents_router
from loket.portaal.http.registration import registration_router
from loket.portaal.pages import errors_of, render, session_of, translate
from loket.portaal.security import PAGE_HEADERS, PRIVATE, STATIC, FormExpired
from loket.portaal.services import Problem, Refusal, Services, SignedOut, Unavailable
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
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

    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, _: SignedOut) -> Response:
        here = request.url.path
        return RedirectResponse(f"/login?next={here}" if request.method == "GET" else "/login", status_code=303)

    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, _: FormExpired) -> Response:
        return render(
            request,
            "pages/problem.html",
            400,
            title=translate(request, "Please try again"),
            text=translate(request, "This form was open too long or came from somewhere else. Please try again."),
            back=request.url.path,
        )

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, _: Unavailable) -> Response:
        return render(
            request,
            "pages/problem.html",
            503,
            title=translate(request, "Loket cannot be reached"),
            text=translate(request, "Loket cannot be reached right now. Please try again in a few minutes."),
            back=request.url.path,
        )

    @app.exception_handler(Refusal)
    async def refused(request: Request, refusal: Refusal) -> Response:
        """A refusal no page handled itself: another person's object (403/404) looks like a missing one."""
        if refusal.status in (403, 404):
            return render(
                request,
                "pages/problem.html",
                404,
                title=translate(request, "Page not found"),
                text=translate(request, "This page does not exist, or you cannot see it."),
            )
        return render(
            request,
            "pages/problem.html",
            refusal.status if refusal.status < 500 else 502,
            title=translate(request, "This cannot be done now"),
            errors=errors_of(request, [Problem(p.code, None, p.ctx) for p in refusal.problems]),
            back="/",
        )

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/static/"):
            return Response(status_code=exc.status_code)
        if exc.status_code == 404:
            return render(
                request,
                "pages/problem.html",
                404,
                title=translate(request, "Page not found"),
                text=translate(request, "This page does not exist, or you cannot see it."),
            )
        return render(request, "pages/problem.html", exc.status_code, title=translate(request, "Something went wrong"))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _: RequestValidationError) -> Response:
        return render(
            request,
            "pages/problem.html",
            400,
            title=translate(request, "Something went wrong"),
            text=translate(request, "Something went wrong. Please check what you filled in and try again."),
        )

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
    for prefix, folder in VENDOR.items():
        app.mount(prefix, StaticFiles(directory=settings.assets_dir / folder, check_dir=False), name=prefix)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
