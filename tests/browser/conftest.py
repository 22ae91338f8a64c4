"""The portal in a real browser: Debian's Chromium driven by Playwright, against the portal and the five
services running as processes on real PostgreSQL, RabbitMQ and an SMTP server.

Every page a test opens is watched: a request to any host but the portal fails the test, and `accessible`
runs axe-core (from npm, injected into the page) for WCAG 2.1 A and AA.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from loket_test_support import eventually, free_port
from playwright.async_api import Browser, async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from portal_browser import AXE, CHROMIUM, PHONE, Watched

ROOT = Path(__file__).resolve().parents[2]
# Chromium's own calls home are refused on this closed network, many at a time; these flags stop them
QUIET = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once, before the browser starts
        raise AssertionError(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield chromium
        await chromium.close()


@pytest.fixture
async def start_portal(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    async def start(services: dict[str, Any], *, port: int | None = None, **settings: str) -> str:
        """The portal in front of these services; `port` when the services must know its address first."""
        port = port or free_port()
        env = {
            **os.environ,
            "LOKET_PORTAAL_PORT": str(port),
            "LOKET_VAR_DIR": str(tmp_path / "var"),
            "LOKET_PORTAAL_COOKIE_SECURE": "false",
            "LOKET_PORTAAL_SESSION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            **{f"LOKET_PORTAAL_{name.upper()}_URL": running.url for name, running in services.items()},
            **settings,
        }
        log = tmp_path / f"portaal-{port}.log"
        process = subprocess.Popen(  # noqa: ASYNC220 - starting a process does not wait for it
            [sys.executable, "-m", "loket.portaal", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log))
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:

            async def ready() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"the portal exited:\n{log.read_text()}")
                try:
                    return (await client.get(f"{url}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, within=30, what="the portal to be ready")
        return url

    yield start
    for process, log in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"----- portaal log -----\n{log.read_text()}")


@pytest.fixture
async def watched(browser: Browser) -> AsyncIterator[Callable[..., Any]]:
    """`await watched(portal, javascript=True, viewport=PHONE)`: a new browser context; at the end of the test
    no page may have asked another host for anything."""
    contexts: list[Watched] = []

    async def open_context(portal: str, *, javascript: bool = True, viewport: dict[str, int] | None = None) -> Watched:
        context = await browser.new_context(
            java_script_enabled=javascript, viewport=viewport or PHONE, base_url=portal, locale="nl-NL"
        )
        if javascript:  # axe-core in every page, added by the browser itself: the pages' CSP allows no inline script
            await context.add_init_script(path=str(AXE))
        watched = Watched(context, portal)
        contexts.append(watched)
        return watched

    yield open_context
    for watched in contexts:
        await watched.context.close()
    elsewhere = [url for watched in contexts for url in watched.elsewhere]
    assert not elsewhere, f"pages asked other hosts for: {elsewhere}"
