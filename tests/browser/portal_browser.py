"""What the browser tests share: Debian's Chromium, the two widths every page is checked at, a browser
context that may talk to the portal only, and axe-core."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LOKET_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "services/portaal/assets/node_modules/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}


class Watched:
    """A browser context that may talk to the portal only."""

    def __init__(self, context: BrowserContext, portal: str) -> None:
        self.context = context
        self.portal = urlsplit(portal).netloc
        self.elsewhere: list[str] = []

    async def page(self) -> Page:
        page = await self.context.new_page()

        async def only_the_portal(route: Any) -> None:
            if urlsplit(route.request.url).netloc == self.portal or route.request.url.startswith(("data:", "about:")):
                await route.continue_()
            else:
                self.elsewhere.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_the_portal)
        return page


async def accessible(page: Page, what: str) -> None:
    """axe-core over the page as it is now: no violation of WCAG 2.1 A or AA, at this viewport."""
    await page.wait_for_load_state()  # a page still arriving has no document to check yet
    assert await page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core is added to every page"
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    violations = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["html"][:160] for node in violation["nodes"][:3])
        for violation in result["violations"]
    ]
    assert not violations, f"{what} at {page.viewport_size}: " + "\n".join(violations)
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        f"{what} scrolls sideways at {page.viewport_size}"
    )


SCREENSHOTS = os.environ.get("LOKET_SCREENSHOTS")  # a folder: the role guides' pictures (docs/images)


async def screenshot(page: Page, name: str) -> None:
    """A picture of the page for the guides (docs/guide-*.md), only when LOKET_SCREENSHOTS names a folder:
    `LOKET_SCREENSHOTS=docs/images uv run pytest tests/browser -m browser`."""
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def submit(page: Page) -> None:
    await page.locator("main form button[type=submit]").last.click()
