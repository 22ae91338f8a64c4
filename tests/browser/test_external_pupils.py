"""The region's administrator registers a pupil from outside the region (a buitenleerling) in the browser:
the form sent without a birth date first (the error summary, the input kept), then the pupil with a B
number and the parent login sent (the activation mail arrives). A school's administrator gets the
not-found page. axe-core at 320 px and desktop width on the form, its errors and the confirmation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loket_test_support import activation_link, eventually
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, screenshot
from region_support import SCHOOL, Region, RoundTimes, procedure_with_rounds
from staff_support import first_region_admin, invite, log_in

PARENT = "ouder.buiten@example.org"


async def at_both_widths(page: Page, what: str) -> None:
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)
    await accessible(page, what)


@pytest.mark.timeout(600)
async def test_the_region_registers_a_pupil_from_outside_the_region_and_sends_the_login(
    start_services, start_portal, watched, smtp, tmp_path: Path
):
    now = datetime.now(UTC)
    (tmp_path / "procedure.toml").write_text(
        procedure_with_rounds("demo", now, [RoundTimes(timedelta(hours=1), timedelta(hours=2))], seats=5)
    )
    services = await start_services(
        "identity",
        "dossier",
        "notificatie",
        "aanmelding",
        LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml"),
    )
    portal = await start_portal(services)
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        await r.call("dossier", "POST", "/schools", r.admin, json={"brin": SCHOOL, "name": "De Regenboog"})
        admin = await first_region_admin(r, services["identity"])
        director = await invite(r, "school_admin", "directie@school.example", school=SCHOOL)

        # a school's administrator does not reach the region's page
        school_page = await (await watched(portal)).page()
        await log_in(school_page, director)
        answer = await school_page.goto("/region/external-pupils")
        assert answer is not None and answer.status == 404
        await expect(school_page.locator("main")).to_contain_text("Pagina niet gevonden")

        page = await (await watched(portal)).page()
        main = page.locator("main")
        await log_in(page, admin)
        await page.get_by_role("link", name="Leerlingen van buiten de regio").first.click()
        await expect(page).to_have_url(f"{portal}/region/external-pupils")
        await expect(page.locator("h1")).to_have_text("Leerlingen van buiten de regio")
        await at_both_widths(page, "the form for a pupil from outside the region")
        await screenshot(page, "region-external-pupils")

        await page.fill("#given_name", "Sem")
        await page.fill("#family_name", "de Boer")
        await page.fill("#parent_email", PARENT)
        await page.fill("#school_name", "De Wilgen")
        await page.fill("#school_brin", "09XY00")
        await page.select_option("#final_advice", "havo")
        await page.get_by_role("button", name="Leerling toevoegen").click()
        summary = page.locator("#error-summary")
        await expect(summary).to_be_visible()
        await expect(summary.locator('a[href="#birth_date"]')).to_be_visible()
        await expect(page.locator("#given_name")).to_have_value("Sem")
        await expect(page.locator("#school_name")).to_have_value("De Wilgen")
        await expect(page.locator("#final_advice")).to_have_value("havo")
        await at_both_widths(page, "the form for a pupil from outside the region, without a birth date")

        await page.fill("#birth_date", "2014-03-09")
        await page.get_by_role("button", name="Leerling toevoegen").click()
        await expect(page).to_have_url(re.compile(r"/region/external-pupils/[0-9a-f-]{36}$"))
        pupil_id = page.url.rsplit("/", 1)[-1]
        await expect(main).to_contain_text("De leerling is toegevoegd met nummer B")
        await expect(main).to_contain_text("De Wilgen (09XY00)")
        number = (await main.locator("dd").first.inner_text()).strip()
        assert number.startswith("B"), number
        await at_both_widths(page, "the pupil from outside the region, added")
        await screenshot(page, "region-external-pupil")

        async def known() -> bool:  # identity has heard of the pupil, as a school waits for its dot
            found = await r.call("dossier", "GET", f"/pupils/{pupil_id}", r.admin)
            return bool(found["parent_logins"]) and found["parent_logins"][0]["changed_at"] is not None

        await eventually(known, within=60, what="identity to know the pupil")
        await page.get_by_role("button", name="Verstuur de ouderinlog").click()
        await expect(main).to_contain_text(f"De ouderinlog is onderweg naar {PARENT}")
        await at_both_widths(page, "the pupil from outside the region, the login sent")

        async def mail() -> object:
            found = smtp.inbox.to(PARENT)
            return found[-1] if found else None

        assert "/activate/" in activation_link(await eventually(mail, within=60, what="the activation mail"))
    finally:
        await r.close()
