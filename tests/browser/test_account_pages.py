"""The pages around the account, in the browser: a forgotten password from the request to the new
password (a common one refused) and the login, links that do not work, a page that does not exist;
each checked with axe-core at 320 px and desktop width, in Dutch and in English."""

from __future__ import annotations

import pytest
from loket_test_support import eventually, text_of
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, submit
from region_support import PASSWORD, Region

NEW_PASSWORD = "een nieuw en lang wachtwoord"


async def checked(page: Page, what: str) -> None:
    await accessible(page, what)
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)


@pytest.mark.timeout(300)
async def test_a_parent_resets_a_forgotten_password_and_every_account_page_is_accessible(
    start_services, start_portal, watched, smtp, tmp_path
):
    portal_port = start_services.planned["portaal"]
    services = await start_services(
        "identity", "dossier", "aanmelding", "notificatie", LOKET_IDENTITY_PORTAL_URL=f"http://127.0.0.1:{portal_port}"
    )
    portal = await start_portal(services, port=portal_port)
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        pupil = await r.pupil(1, "havo")
        await r.parent_token(pupil)  # activated with PASSWORD
        page = await (await watched(portal)).page()

        await page.goto("/login")
        await checked(page, "the login page")
        await page.get_by_role("link", name="Wachtwoord vergeten?").click()
        await expect(page.locator("h1")).to_have_text("Wachtwoord vergeten?")
        await checked(page, "forgotten password")
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("Vul dit in.")
        await checked(page, "forgotten password with an error")
        before = len(smtp.inbox.to(pupil.address))
        await page.fill("#username", pupil.elk_number)
        await submit(page)
        await expect(page.locator("main")).to_contain_text("Als deze gebruikersnaam bestaat")
        await checked(page, "forgotten password: mail sent")

        async def mail() -> object:
            found = smtp.inbox.to(pupil.address)
            return found[-1] if len(found) > before else None

        message = await eventually(mail, within=60, what="the reset mail")
        link = next(word for word in text_of(message).split() if "/reset/" in word)
        assert link.startswith(portal), link
        await page.goto(link)
        await expect(page.locator("h1")).to_have_text("Kies een nieuw wachtwoord")
        await checked(page, "the reset link's page")
        await page.fill("#password", "qwertyuiop")  # long enough, but among the first anyone guesses
        await page.fill("#password_repeat", "qwertyuiop")
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("Veel mensen gebruiken dit wachtwoord.")
        await checked(page, "the reset link's page refusing a common password")
        await page.fill("#password", NEW_PASSWORD)
        await page.fill("#password_repeat", NEW_PASSWORD + " anders")
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("niet hetzelfde")
        await checked(page, "the reset link's page with an error")
        await page.fill("#password", NEW_PASSWORD)
        await page.fill("#password_repeat", NEW_PASSWORD)
        await submit(page)
        await expect(page.locator("main")).to_contain_text("Uw wachtwoord is opgeslagen")
        await page.goto(link)  # used up
        await expect(page.locator("h1")).to_have_text("Deze link werkt niet")
        await expect(page.locator("main")).to_contain_text("al gebruikt")
        await checked(page, "a used link")

        await page.goto("/login")
        await page.fill("#username", pupil.elk_number)
        await page.fill("#password", PASSWORD)  # the old password no longer works
        await submit(page)
        await expect(page.locator("#error-summary")).to_be_visible()
        await page.fill("#password", NEW_PASSWORD)
        await submit(page)
        await expect(page.locator("h1")).to_contain_text(pupil.given_name)

        await page.goto("/activate/not-a-token-at-all")
        await expect(page.locator("h1")).to_have_text("Deze link werkt niet")
        await checked(page, "an unknown activation link")
        await page.goto("/nothing/here")
        await expect(page.locator("h1")).to_have_text("Pagina niet gevonden")
        await checked(page, "page not found")
        await page.get_by_role("link", name="English").click()
        await expect(page.locator("h1")).to_have_text("Page not found")
        await checked(page, "page not found in English")
    finally:
        await r.close()
