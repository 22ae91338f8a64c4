"""A secondary school's administrator, in the browser: sees the registrations made with the school, sorted
and paged on the server; decides a priority claim (without a reason first); marks a pupil Geplaatst with
a stream; asks the primary school a question; downloads a CSV export; prepares a placement letter for the
publication moment (choosing no pupil first). The administrator of another secondary school gets the
not-found page for the registration. Every page type is checked with axe-core at 320 px and desktop
width, error states included; the pictures of docs/guide-vo.md are taken on the way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from loket_test_support import eventually
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, screenshot
from region_support import Region, RoundTimes, procedure_with_rounds
from staff_support import first_region_admin, invite, log_in

LYCEUM, COLLEGE = "94AB00", "94AA00"  # two secondary schools of the demo procedure


async def checked(page: Page, what: str) -> None:
    await page.set_viewport_size(PHONE)
    await accessible(page, what)
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)


@pytest.mark.timeout(600)
async def test_a_secondary_school_decides_places_exports_and_prepares_a_letter(
    start_services, start_portal, watched, smtp, tmp_path
):
    now = datetime.now(UTC)
    (tmp_path / "procedure.toml").write_text(
        procedure_with_rounds("demo", now, [RoundTimes(timedelta(hours=1), timedelta(hours=2))], seats=5)
    )
    services = await start_services(
        "identity",
        "dossier",
        "aanmelding",
        "notificatie",
        LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml"),
    )
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        for brin, name in ((LYCEUM, "Demo Lyceum"), (COLLEGE, "Demo College")):
            school = {"brin": brin, "name": name, "sector": "secondary", "contact_email": f"info@{brin}.example"}
            await r.call("dossier", "POST", "/schools", r.admin, json=school)
        portal = await start_portal(services)
        await first_region_admin(r, services["identity"])

        # three pupils registered with the Lyceum first; Sem claims priority for a sister there
        helper = await r.helper("havo")
        first = f"{LYCEUM}-havo"
        others = [program["code"] for program in helper["programs"] if program["school_brin"] != LYCEUM]
        chosen = [first, *others][: helper["length"]["min"]]
        sibling = {"kind": "sibling", "at": first, "sibling_name": "Fenna Test", "sibling_class": "2b"}
        pupils = {}
        for n, name in enumerate(("Noor", "Sem", "Lotte"), start=1):
            pupil = await r.pupil(n, "havo", given_name=name)
            await r.ready_for(pupil)
            claims = {"priority": sibling} if name == "Sem" else {}
            pupils[name] = (pupil, await r.register(pupil, await r.parent_token(pupil), chosen, **claims))
        lyceum = r.staff(role="school_admin", school=LYCEUM)

        async def shared() -> bool:
            found = await r.client.get(f"{r.url['dossier']}/schools/{LYCEUM}/registered-pupils", headers=lyceum)
            return found.status_code == 200 and len(found.json()) == 3

        await eventually(shared, within=60, what="dossier to know the registrations at the Lyceum")

        admin = await invite(r, "school_admin", "toelating@lyceum.example", school=LYCEUM)
        page = await (await watched(portal)).page()
        await log_in(page, admin)
        await expect(page).to_have_url(f"{portal}/vo/{LYCEUM}")

        # the registrations, oldest first; sorted the other way by the column's header
        table = page.locator("main table tbody tr")
        await expect(table).to_have_count(3)
        await expect(page.locator(".list-count")).to_have_text("3 rijen")
        await expect(table.first).to_contain_text("Noor")
        await checked(page, "the registrations")
        await screenshot(page, "vo-registrations")
        await page.get_by_role("link", name="Ontvangen").click()
        await expect(page).to_have_url(f"{portal}/vo/{LYCEUM}?sort=-received")
        await expect(table.first).to_contain_text("Lotte")
        await page.select_option("#filter-placed", "true")
        await page.get_by_role("button", name="Tonen").click()
        await expect(page.locator("main")).to_contain_text("Er zijn geen aanmeldingen om te tonen.")

        # Sem's registration: the dossier, the priority claim decided (no reason first)
        sem, sem_registration = pupils["Sem"]
        registration_url = f"/vo/{LYCEUM}/registrations/{sem_registration}"
        await page.goto(registration_url)
        await expect(page.locator("h1")).to_have_text("Sem Test")
        await expect(page.locator("main")).to_contain_text(sem.elk_number)
        await expect(page.locator("#priority")).to_be_visible()
        await expect(page.locator("main")).to_contain_text("Fenna Test")
        await checked(page, "a registration")
        await screenshot(page, "vo-registration")
        await page.check("#priority-granted")  # grant
        await page.get_by_role("button", name="Besluit opslaan").click()
        await expect(page.locator("#error-summary")).to_contain_text("Schrijf de reden op.")
        await expect(page.locator("#error-summary a")).to_have_attribute("href", "#priority-reason")
        await expect(page.locator("#priority-granted")).to_be_checked()
        await checked(page, "a registration with an error")
        await screenshot(page, "vo-priority-error")
        await page.fill("#priority-reason", "Zus Fenna zit in klas 2b.")
        await page.get_by_role("button", name="Besluit opslaan").click()
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await expect(page.locator("#priority").locator("..")).to_contain_text("toegekend")

        # Geplaatst with a stream, and a question to the primary school
        await page.fill("#placement-stream", "tto")
        await page.get_by_role("button", name="Zet op Geplaatst").click()
        await expect(page.locator("main")).to_contain_text("Geplaatst op")
        await expect(page.locator("main")).to_contain_text("tto")
        await page.fill("#question-message", "Hoe gaat het met rekenen?")
        await page.get_by_role("button", name="Vraag versturen").click()
        await expect(page.locator("main")).to_contain_text("Hoe gaat het met rekenen?")
        await page.goto(f"/vo/{LYCEUM}/questions")
        await expect(page.locator("main table")).to_contain_text("Hoe gaat het met rekenen?")
        await checked(page, "the questions")

        # the CSV export, as the service made it
        await page.goto(f"/vo/{LYCEUM}/exports")
        await checked(page, "the exports")
        await screenshot(page, "vo-exports")
        async with page.expect_download() as downloading:
            await page.locator(f'a[href="/vo/{LYCEUM}/exports/registrations.csv"]').click()
        download = await downloading.value
        assert download.suggested_filename == f"registrations-{LYCEUM}.csv"
        assert sem.elk_number in (await download.path()).read_text(encoding="utf-8-sig")

        # the placement letter for Sem, prepared for the publication moment (no pupil chosen first)
        await page.goto(f"/vo/{LYCEUM}/letters")
        await page.fill("#signatory_name", "J. Jansen")
        await page.fill("#signatory_role", "directeur")
        await page.get_by_role("button", name="Zet de brieven klaar").click()
        await expect(page.locator("#error-summary")).to_contain_text("Kies ten minste één leerling.")
        await expect(page.locator("#signatory_name")).to_have_value("J. Jansen")
        await checked(page, "the letters with an error")
        await page.get_by_role("checkbox", name="Brief voor Test, Sem").check()
        await page.get_by_role("button", name="Zet de brieven klaar").click()
        await expect(page.locator("main [role=status]")).to_contain_text("De brieven staan klaar")
        await expect(page.locator("#letters").locator("xpath=following-sibling::div[1]")).to_contain_text(
            "Wacht op het moment van bekendmaking"
        )
        await checked(page, "the results and letters")
        await screenshot(page, "vo-letters")

        # another secondary school's administrator: this registration does not exist for them
        other = await invite(r, "school_admin", "toelating@college.example", school=COLLEGE)
        elsewhere = await (await watched(portal)).page()
        await log_in(elsewhere, other)
        await elsewhere.goto(registration_url)
        await expect(elsewhere.locator("h1")).to_have_text("Pagina niet gevonden")
        await checked(elsewhere, "the not-found page for another school's registration")
    finally:
        await r.close()
