"""A board's contact in the browser: the start page lets them choose one of the board's schools, they see
that school's pupils, and a school outside the board — its list or one of its pupils by address — is the
not-found page, as for anybody beyond their reach. axe-core at 320 px and desktop width on the chooser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible
from region_support import SCHOOL, Region, RoundTimes, procedure_with_rounds
from staff_support import first_region_admin, invite, log_in

BOARD = {"code": "STICHTING-EEN", "name": "Stichting Een"}
SECOND, OUTSIDE = "12AB02", "34CD01"  # another of the board's schools; a school of no board


async def at_both_widths(page: Page, what: str) -> None:
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)
    await accessible(page, what)


async def pupil(r: Region, school: str, given_name: str) -> str:
    body = {
        "given_name": given_name,
        "family_name": "Test",
        "birth_date": "2014-04-04",
        "school_brin": school,
        "parent_email": f"ouder.{given_name.lower()}@example.org",
    }
    return str(
        (await r.call("dossier", "POST", "/pupils", r.staff(school=school, role="school_admin"), json=body))["id"]
    )


@pytest.mark.timeout(600)
async def test_a_boards_contact_reaches_the_boards_schools_and_no_other(
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
        await first_region_admin(r, services["identity"])
        await r.call("dossier", "POST", "/boards", r.admin, json=BOARD)
        schools = {SCHOOL: "De Regenboog", SECOND: "Het Kompas", OUTSIDE: "De Linde"}
        for brin, name in schools.items():
            board = BOARD["code"] if brin != OUTSIDE else None
            body = {"brin": brin, "name": name, "sector": "primary", "board": board}
            await r.call("dossier", "POST", "/schools", r.admin, json=body)
        board_schools = {"schools": [SCHOOL, SECOND]}
        await r.call("identity", "PUT", f"/boards/{BOARD['code']}/schools", r.admin, json=board_schools)
        await pupil(r, SCHOOL, "Noor")
        outside = await pupil(r, OUTSIDE, "Daan")
        contact = await invite(r, "board_contact", "bestuur@stichting.example", board=BOARD["code"])

        page = await (await watched(portal)).page()
        await log_in(page, contact)
        await expect(page).to_have_url(f"{portal}/staff")
        await expect(page.locator("h1")).to_have_text("Uw scholen")
        links = page.locator("main").get_by_role("link")
        await expect(links).to_have_text(["De Regenboog", "Het Kompas"])
        await at_both_widths(page, "a board's schools")

        await page.get_by_role("link", name="De Regenboog").click()
        await expect(page).to_have_url(f"{portal}/po/{SCHOOL}")
        await expect(page.locator("main")).to_contain_text("Noor")

        for beyond in (f"/po/{OUTSIDE}", f"/po/{OUTSIDE}/pupils/{outside}", f"/po/{SCHOOL}/pupils/{outside}"):
            answer = await page.goto(beyond)
            assert answer is not None and answer.status == 404, beyond
            await expect(page.locator("h1")).to_have_text("Pagina niet gevonden")
    finally:
        await r.close()
