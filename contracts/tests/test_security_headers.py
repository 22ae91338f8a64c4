"""Every answer of every service carries the security headers (`loket.contracts.runtime.security`), from
a JSON route, a page, a refusal, FastAPI's own 404 and 422 and an unexpected error alike; `/docs` loads
Swagger UI from the service itself and nothing from another host, and is off by a setting; no `Server`
header under uvicorn as `serve` runs it; and a validly signed token whose subject is no account is a
401 wherever a route notices it, never a 500."""

import asyncio
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from loket_test_support import TokenAuthority

from loket.contracts.errors import Conflict
from loket.contracts.runtime.auth import bearer, token_verifier
from loket.contracts.runtime.cli import serve_options
from loket.contracts.runtime.service import Runtime
from loket.contracts.runtime.settings import ServiceSettings
from loket.contracts.tables import messaging_tables, service_metadata
from loket.contracts.tokens import Claims

EXPECTED = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def probe_routes(verifier: Any) -> APIRouter:
    router = APIRouter()
    caller = Annotated[Claims, Depends(bearer(verifier))]

    @router.get("/thing")
    async def thing() -> dict[str, str]:
        return {"thing": "json"}

    @router.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<!doctype html><title>page</title><form method=post><button>go</button></form>"

    @router.get("/typed/{number}")
    async def typed(number: int) -> dict[str, int]:
        return {"number": number}

    @router.get("/refused")
    async def refused() -> None:
        raise Conflict("not now")

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    @router.get("/own-headers")
    async def own_headers() -> PlainTextResponse:
        return PlainTextResponse(
            "a download",
            headers={"Content-Security-Policy": "default-src 'none'; sandbox", "Referrer-Policy": "origin"},
        )

    @router.get("/account")
    async def account(claims: caller) -> dict[str, str]:
        return {"account": str(claims.account())}

    return router


@pytest.fixture
async def authority() -> AsyncIterator[TokenAuthority]:
    authority = TokenAuthority()
    yield authority
    authority.close()


def probe_app(runtime: Runtime, authority: TokenAuthority, **settings: Any) -> FastAPI:
    runtime.settings = runtime.settings.model_copy(
        update={"identity_url": authority.url, "token_issuer": authority.issuer, **settings}
    )
    verifier = token_verifier(runtime.settings)
    return runtime.http_app(title="Loket probe", description="probe", routers=[probe_routes(verifier)])


@pytest.fixture
def service(authority: TokenAuthority) -> Callable[..., Any]:
    """A service's app as `Runtime.http_app` builds it, with probe routes and settings as given. Over
    ASGI the app's lifespan does not run: the database and the broker are never reached."""

    async def build(**settings: Any) -> tuple[Runtime, FastAPI]:
        never_connected = "postgresql+asyncpg://postgres@127.0.0.1:5432/loket_never_connected"
        metadata = service_metadata()
        messaging_tables(metadata)
        runtime = Runtime("notificatie", ServiceSettings(database_url=never_connected), metadata)
        return runtime, probe_app(runtime, authority, **settings)

    return build


def client(app: FastAPI, base_url: str = "http://probe.test") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def secured(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in EXPECTED.items())


async def test_every_kind_of_answer_carries_the_headers(service):
    _, app = await service()
    async with client(app) as http:
        answers = {
            "json": await http.get("/thing"),
            "page": await http.get("/page"),
            "health": await http.get("/healthz"),
            "openapi": await http.get("/openapi.json"),
            "no such route": await http.get("/no/such/route"),
            "422": await http.get("/typed/not-a-number"),
            "refusal": await http.get("/refused"),
            "no token": await http.get("/account"),
            "500": await http.get("/crash"),
            "docs": await http.get("/docs"),
            "docs asset": await http.get("/docs/swagger-ui-bundle.js"),
        }
    statuses = {what: answer.status_code for what, answer in answers.items()}
    assert statuses == {
        "json": 200,
        "page": 200,
        "health": 200,
        "openapi": 200,
        "no such route": 404,
        "422": 422,
        "refusal": 409,
        "no token": 401,
        "500": 500,
        "docs": 200,
        "docs asset": 200,
    }
    assert [what for what, answer in answers.items() if not secured(answer)] == []
    assert [what for what, answer in answers.items() if "strict-transport-security" in answer.headers] == []
    assert [what for what, answer in answers.items() if "server" in answer.headers] == []


async def test_a_route_s_own_policy_stays(service):
    _, app = await service()
    async with client(app) as http:
        answer = await http.get("/own-headers")
    assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert answer.headers["referrer-policy"] == "origin"
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("base_url", "headers", "hsts"),
    [
        ("https://probe.test", {}, True),  # TLS to the service itself
        ("http://probe.test", {"X-Forwarded-Proto": "https"}, True),  # TLS ended at the ingress controller
        ("http://probe.test", {"X-Forwarded-Proto": "http"}, False),
        ("http://probe.test", {}, False),
    ],
)
async def test_hsts_only_for_a_request_that_came_over_tls(service, base_url, headers, hsts):
    _, app = await service()
    async with client(app, base_url) as http:
        answers = [await http.get(path, headers=headers) for path in ("/thing", "/no/such/route", "/crash")]
    assert [answer.headers.get("strict-transport-security") for answer in answers] == [
        "max-age=31536000; includeSubDomains" if hsts else None
    ] * 3


class Links(HTMLParser):
    """Every address a page makes the browser load or follow, and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href", "action") and value]
        self.urls += [value for name, value in attrs if name.startswith("data-") and name.endswith("-url") and value]
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(f"{tag} attribute")
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"inline {self._in}")


async def test_docs_load_nothing_from_another_host(service):
    _, app = await service()
    async with client(app) as http:
        page = await http.get("/docs")
        links = Links()
        links.feed(page.text)
        fetched = {url: await http.get(url) for url in links.urls}

    assert page.headers["content-type"].startswith("text/html")
    assert links.inline == []
    assert sorted(links.urls) == [
        "/docs/favicon.png",
        "/docs/swagger-initializer.js",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/openapi.json",
    ]
    assert [url for url in links.urls if urlsplit(url).netloc or not url.startswith("/")] == []
    assert {url: answer.status_code for url, answer in fetched.items()} == dict.fromkeys(links.urls, 200)
    assert fetched["/docs/swagger-ui-bundle.js"].headers["content-type"].startswith("text/javascript")
    assert fetched["/docs/swagger-ui.css"].headers["content-type"].startswith("text/css")
    assert "SwaggerUIBundle" in fetched["/docs/swagger-initializer.js"].text
    # the bundle is whole and comes from the service, not a stub that fetches it from elsewhere
    assert len(fetched["/docs/swagger-ui-bundle.js"].content) > 500_000
    assert all(secured(answer) for answer in fetched.values())


async def test_docs_off_by_the_setting(service):
    _, app = await service(api_docs=False)
    async with client(app) as http:
        answers = {path: (await http.get(path)).status_code for path in ("/docs", "/docs/swagger-ui.css", "/redoc")}
        openapi = await http.get("/openapi.json")
    assert answers == {"/docs": 404, "/docs/swagger-ui.css": 404, "/redoc": 404}
    assert openapi.status_code == 200  # the contract stays readable


async def test_redoc_is_never_served(service):
    """ReDoc needs inline styles, which the policy refuses; Swagger UI is the one documentation page."""
    _, app = await service()
    async with client(app) as http:
        assert (await http.get("/redoc")).status_code == 404


async def test_a_signed_token_whose_subject_is_no_account_is_a_401(service, authority):
    _, app = await service()
    account = "0b7f3c52-52b1-4f36-9d4e-9c1f7a1f0c11"
    async with client(app) as http:
        named = await http.get("/account", headers={"Authorization": f"Bearer {authority.mint(sub=account)}"})
        nameless = await http.get("/account", headers={"Authorization": f"Bearer {authority.mint(sub='not-a-uuid')}"})
    assert named.status_code == 200
    assert named.json() == {"account": account}
    assert nameless.status_code == 401, nameless.text
    assert nameless.json() == {"detail": "the token's subject is not an account"}
    assert nameless.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_no_server_header_under_uvicorn_as_serve_runs_it(make_runtime, authority):
    runtime = await make_runtime()  # uvicorn runs the lifespan: a real database and vhost
    app = probe_app(runtime, authority)
    config = uvicorn.Config(app, **{**serve_options(runtime.settings), "host": "127.0.0.1", "port": 0})
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(600):  # up to 30 s
            if server.started:
                break
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            answers = [await http.get(path) for path in ("/healthz", "/no/such/route", "/docs")]
    finally:
        server.should_exit = True
        await serving
    assert [answer.status_code for answer in answers] == [200, 404, 200]
    assert [answer.headers.get("server") for answer in answers] == [None, None, None]
    assert all(secured(answer) for answer in answers)
