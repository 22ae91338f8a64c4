"""The region's administrator runs a round's lottery in the browser, with the notary at the ceremony page:
the procedure at a glance, the round's numbers while the window is open, the market taken once it has
closed (not before: the page says until when), loting asked for the ceremony, the seed entered (an empty
one refused first), the run followed to completed, the result applied and the pupils it left unplaced,
the proces-verbaal downloaded, the audit log; then meekijken as a school's administrator, with the banner,
and stopping it. A school's administrator gets the not-found page for the region and the ceremony.
axe-core at 320 px and 1280 px on every page type, error states too."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loket_test_support import eventually
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, screenshot
from region_support import (
    SCHOOL,
    Region,
    RoundTimes,
    chosen_list,
    procedure_with_rounds,
    until,
)
from staff_support import first_region_admin, invite, log_in

ROOT = Path(__file__).resolve().parents[2]
REGION = "amsterdam"
CLOSES = timedelta(seconds=150)
PUBLISHED = timedelta(seconds=170)


async def at_both_widths(page: Page, what: str) -> None:
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)
    await accessible(page, what)


async def reloaded_until(page: Page, text: str, within: float = 60) -> None:
    """A page the person reloads (no JavaScript) until it says `text`."""

    async def says() -> bool:
        await page.reload()
        return text in await page.locator("main").inner_text()

    await eventually(says, within=within, what=f"the page to say {text!r}")


@pytest.mark.timeout(600)  # it waits for the round's window to close
async def test_the_region_runs_the_lottery_with_the_notary_and_looks_along(
    start_services, start_portal, watched, smtp, tmp_path
):
    services = await start_services(
        "identity",
        "dossier",
        "notificatie",
        "loting",
        LOKET_REGION=REGION,
        LOKET_IDENTITY_PORTAL_URL=f"http://127.0.0.1:{start_services.planned['portaal']}",
    )
    r = Region(REGION, services, tmp_path / "var", smtp)
    try:
        await r.call("dossier", "POST", "/schools", r.admin, json={"brin": SCHOOL, "name": "De Regenboog"})
        pupils = [await r.pupil(n, "vmbo_b") for n in (1, 2, 3)]
        now = datetime.now(UTC)
        rounds = [RoundTimes(CLOSES, PUBLISHED), RoundTimes(timedelta(minutes=30), timedelta(hours=1))]
        (tmp_path / "procedure.toml").write_text(procedure_with_rounds(REGION, now, rounds, seats=0))
        aanmelding = await start_services(
            "aanmelding", LOKET_REGION=REGION, LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url
        portal = await start_portal({**services, **aanmelding}, port=start_services.planned["portaal"])
        for pupil in pupils:
            await r.ready_for(pupil)
            programs = chosen_list(await r.helper("vmbo_b"))
            await r.register(pupil, await r.parent_token(pupil), programs)
        admin = await first_region_admin(r, services["identity"])
        director = await invite(r, "school_admin", "directie@school.example", school=SCHOOL)

        # a school's administrator reaches neither the region's pages nor a ceremony
        school_page = await (await watched(portal)).page()
        await log_in(school_page, director)
        for path in ("/region", "/region/rounds/ronde-1", "/region/audit", f"/ceremony/{uuid.uuid4()}"):
            answer = await school_page.goto(path)
            assert answer is not None and answer.status == 404, path
            await expect(school_page.locator("main")).to_contain_text("Pagina niet gevonden")
        await at_both_widths(school_page, "the not-found page for a school's administrator")

        page = await (await watched(portal)).page()
        main = page.locator("main")
        await log_in(page, admin)
        await expect(page).to_have_url(f"{portal}/region")
        await expect(main).to_contain_text("1e ronde")
        await expect(main).to_contain_text("Regels voor de lijst per advies")
        await at_both_widths(page, "the procedure")
        await screenshot(page, "region-procedure")

        await page.get_by_role("link", name="1e ronde").click()
        await expect(page).to_have_url(f"{portal}/region/rounds/ronde-1")
        await expect(main).to_contain_text("De aanmelding is open.")
        sent = await page.locator("td.numeric").all_inner_texts()
        assert sum(int(text.split()[0]) for text in sent[1::3] if text.split()) == len(pupils)  # seats, sent, busy
        await at_both_widths(page, "the round while it runs")
        await screenshot(page, "region-round-open")

        await page.get_by_role("button", name="Leg de markt vast").click()  # too early: the window is open
        await expect(page.locator("#error-summary")).to_contain_text("is open tot")
        await at_both_widths(page, "the round: the market taken too early")

        await until(now + CLOSES)
        await page.goto("/region/rounds/ronde-1")
        await page.get_by_role("button", name="Leg de markt vast").click()
        await expect(main).to_contain_text("Markt vastgelegd")
        await page.get_by_role("button", name="Vraag loting om de loting te houden").click()
        await page.get_by_role("link", name="Open de pagina van de loting (voor de notaris)").click()
        await expect(page.locator("h1")).to_have_text("Loting met de notaris")
        await reloaded_until(page, "wacht op het startgetal")
        await at_both_widths(page, "the ceremony, waiting for the seed")
        await screenshot(page, "region-ceremony-seed")

        await page.fill("#entered_by", "mr. A. de Vries, notaris te Amsterdam")
        await page.get_by_role("button", name="Voer het startgetal in en start de loting").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul het startgetal in")
        await expect(page.locator("#entered_by")).to_have_value("mr. A. de Vries, notaris te Amsterdam")
        await at_both_widths(page, "the ceremony: an empty seed")

        await page.fill("#source-0", "6 2 5 1 3 4")
        await page.get_by_role("button", name="Voer het startgetal in en start de loting").click()
        await reloaded_until(page, "Klaar.")
        await expect(main).to_contain_text("loting verify")
        await at_both_widths(page, "the ceremony, completed")
        await screenshot(page, "region-ceremony-completed")
        async with page.expect_download() as downloading:
            await page.get_by_role("link", name="Het proces-verbaal (JSON)").click()
        download = await downloading.value
        report = json.loads(await asyncio.to_thread(Path(await download.path()).read_text))
        assert report["seed"]["entered_by"] == "mr. A. de Vries, notaris te Amsterdam"

        await page.goto("/region/rounds/ronde-1")
        await reloaded_until(page, "Verwerkt op")
        await expect(main).to_contain_text(f"0 geplaatst, {len(pupils)} niet geplaatst")
        unplaced = page.get_by_role("region", name="Niet geplaatst").locator("tbody tr")
        await expect(unplaced).to_have_count(len(pupils))
        await at_both_widths(page, "the round, its result applied")
        await screenshot(page, "region-round-result")

        await page.get_by_role("link", name="Auditlog").click()
        await expect(main).to_contain_text("Uitgenodigd")
        await at_both_widths(page, "the audit log")
        await screenshot(page, "region-audit")

        await page.goto("/region/meekijken")
        await at_both_widths(page, "the staff to look along as")
        await page.get_by_role("button", name=f"Meekijken als {director.email}").click()
        await expect(page).to_have_url(f"{portal}/po/{SCHOOL}")
        banner = page.locator(".banner")
        await expect(banner).to_contain_text("Iemand kijkt mee")
        await at_both_widths(page, "a school's page while looking along")
        await screenshot(page, "region-meekijken")
        answer = await page.goto("/region")
        assert answer is not None and answer.status == 404  # as the school's administrator now
        await expect(banner).to_be_visible()
        await banner.get_by_role("button", name="Stop met meekijken").click()
        await expect(page.locator("h1")).to_be_visible()
        await expect(page.locator(".banner")).to_have_count(0)
        await page.goto("/staff")
        await expect(page).to_have_url(f"{portal}/login?next=/staff")
    finally:
        await r.close()
