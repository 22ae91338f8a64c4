"""A primary school's administrator, in the browser: fills in a pupil's OKI-doc (a mistake first), follows
the checklist, makes it Volledig and Definitief, reopens it, adds an attachment and downloads it and the
PDF; answers a secondary school's question and writes a note. An administrator of another school gets
the not-found page for the pupil's OKI-doc. Every page type is checked with axe-core at 320 px and
desktop width, error states included."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

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
)
from staff_support import first_region_admin, invite, log_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def checked(page: Page, what: str) -> None:
    await accessible(page, what)
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)


async def save(page: Page) -> None:
    await page.get_by_role("button", name="Opslaan").click()


@pytest.mark.timeout(420)
async def test_a_school_administrator_completes_finalises_and_reopens_an_oki_doc_and_answers_a_question(
    start_services, start_portal, watched, smtp, tmp_path
):
    services = await start_services("identity", "dossier", "notificatie")
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        pupil = await r.pupil(1, "havo", given_name="Noor")
        details = {
            "address": {"street": "Dorpsstraat", "house_number": "1", "postcode": "1234AB", "city": "Zaandam"},
            "parents": [{"name": "M. de Vries", "relation": "moeder", "email": pupil.address, "phone": "0612345678"}],
        }
        now = datetime.now(UTC)
        (tmp_path / "procedure.toml").write_text(
            procedure_with_rounds("demo", now, [RoundTimes(timedelta(hours=1), timedelta(hours=2))], seats=5)
        )
        aanmelding = await start_services(
            "aanmelding", LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url
        services = {**services, **aanmelding}
        portal = await start_portal(services)

        # the parent registers; the secondary school of the first choice asks the primary school a question
        await r.ready_for(pupil)
        helper = await r.helper("havo")
        programs = chosen_list(helper)
        await r.register(pupil, await r.parent_token(pupil), programs)
        secondary = next(p["school_brin"] for p in helper["programs"] if p["code"] == programs[0])
        vo = r.staff(role="school_admin", school=secondary)
        asked_at = f"{r.url['dossier']}/pupils/{pupil.id}/information-requests"
        question = {"message": "Hoe gaat het met rekenen?"}

        async def asked() -> bool:
            answer = await r.client.post(asked_at, headers=vo, json=question)
            return answer.status_code == 201

        await eventually(asked, within=60, what="dossier to know the registration at the secondary school")

        # the address and the parents, as the pupil's page records them (the OKI-doc requires them)
        await r.call("dossier", "PATCH", f"/pupils/{pupil.id}", r.teacher, json=details)
        await first_region_admin(r, services["identity"])
        admin = await invite(r, "school_admin", "directie@regenboog.example", school=SCHOOL)
        page = await (await watched(portal)).page()
        await log_in(page, admin)
        base = f"/po/{SCHOOL}/pupils/{pupil.id}/oki-doc"

        await page.goto(base)
        await expect(page.locator("h1")).to_have_text("OKI-doc van Noor Test")
        await expect(page.locator("main")).to_contain_text("Onvolledig")
        await expect(page.locator("#checklist")).to_contain_text("Schoolloopbaan")
        await checked(page, "the OKI-doc's overview")
        await screenshot(page, "po-oki-doc")

        # the school career: a school year written wrongly first
        await page.locator("#checklist").get_by_role("link", name="Schoolloopbaan").click()
        await expect(page.locator("h1")).to_contain_text("Schoolloopbaan")
        await page.fill("#school_career-0-school_year", "2024")
        await page.fill("#school_career-0-school", "De Regenboog")
        await page.fill("#school_career-0-year_level", "7")
        await save(page)
        await expect(page.locator("#error-summary")).to_contain_text("Schrijf het schooljaar als 2024-2025.")
        await expect(page.locator("#school_career-0-school")).to_have_value("De Regenboog")
        await checked(page, "an OKI-doc tab with an error")
        await expect(page.locator("#error-summary a").first).to_have_attribute("href", "#school_career-0-school_year")
        await expect(page.locator("#school_career-0-school_year")).to_have_attribute("aria-invalid", "true")
        await page.fill("#school_career-0-school_year", "2024-2025")
        await save(page)
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await checked(page, "an OKI-doc tab")

        await page.goto(f"{base}/advice")
        await page.select_option("#advice-provisional_8-level", "havo")
        await page.fill("#advice-provisional_8-motivation", "Werkt zelfstandig en plant goed.")
        await page.fill("#advice-support_advice", "Geen extra ondersteuning nodig.")
        await page.check("#advice-tafelmiddag-2")  # no
        await page.fill("#advice-contact_person-name", "J. Jansen (ib)")
        await save(page)
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await checked(page, "the OKI-doc's advice")

        await page.goto(f"{base}/test_results")
        await page.fill("#test_results-0-school_year", "2024-2025")
        await page.fill("#test_results-0-subject", "rekenen-wiskunde")
        await page.fill("#test_results-0-test", "Cito M7")
        await page.fill("#test_results-0-level", "1F")
        await save(page)
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")

        await page.goto(f"{base}/support")
        await page.fill("#support-absence-authorised_days", "2")
        await page.fill("#support-absence-unauthorised_days", "0")
        await page.fill("#support-didactic-0-item", "technisch lezen")
        await page.select_option("#support-didactic-0-assessment", "goes_well")
        await page.fill("#support-behaviour-0-item", "taakaanpak")
        await page.select_option("#support-behaviour-0-assessment", "goes_well")
        await save(page)
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await checked(page, "the OKI-doc's support")

        await page.goto(base)
        await expect(page.locator("#checklist")).to_contain_text("Alle verplichte velden zijn ingevuld.")
        await page.get_by_role("button", name="Maak Volledig").click()
        await expect(page.locator("main dl")).to_contain_text("Volledig")
        # Definitief needs the parents' inspection first
        await page.get_by_role("button", name="Maak Definitief").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul eerst de velden uit de controlelijst in")
        await expect(page.locator("#checklist")).to_contain_text("Datum inzage ouders")
        await checked(page, "the OKI-doc refused as Definitief")
        await page.locator("#checklist").get_by_role("link", name="Datum inzage ouders").click()
        await page.fill("#overview-parents_inspected_on", date.today().isoformat())
        await page.check("#overview-parents_agreed")  # yes
        await save(page)
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await checked(page, "the parents' inspection")
        await page.goto(base)
        await page.get_by_role("button", name="Maak Definitief").click()
        await expect(page.locator("main dl")).to_contain_text("Definitief")
        await page.goto(f"{base}/advice")
        await expect(page.get_by_role("button", name="Opslaan")).to_have_count(0)
        await expect(page.locator("#advice-provisional_8-motivation")).to_be_disabled()
        await checked(page, "a final OKI-doc's tab")

        await page.goto(base)
        await page.get_by_role("button", name="Heropen het OKI-doc").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul dit in.")
        await checked(page, "reopening without a reason")
        await page.fill("#reason", "Toetsresultaat groep 8 ontbrak.")
        await page.get_by_role("button", name="Heropen het OKI-doc").click()
        await expect(page.locator("main dl")).to_contain_text("Volledig")

        # an attachment: none chosen first, then a PDF; both downloads come through the portal
        await page.get_by_role("button", name="Uploaden").click()
        await expect(page.locator("#error-summary")).to_contain_text("Kies een bestand")
        await checked(page, "an attachment without a file")
        await page.set_input_files(
            "#file", files=[{"name": "verslag.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        await page.get_by_role("button", name="Uploaden").click()
        await expect(page.locator("#attachments")).to_contain_text("verslag.pdf")
        async with page.expect_download() as download:
            await page.get_by_role("link", name="verslag.pdf").click()
        attached = await (await download.value).path()
        assert attached is not None and await asyncio.to_thread(attached.read_bytes) == PDF
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Download het OKI-doc als pdf").click()
        printed = await (await download.value).path()
        assert printed is not None and (await asyncio.to_thread(printed.read_bytes)).startswith(b"%PDF")

        # the secondary school's question: an empty answer first
        await page.goto(f"/po/{SCHOOL}/questions")
        await expect(page.locator("main")).to_contain_text("Hoe gaat het met rekenen?")
        await checked(page, "the questions")
        await screenshot(page, "po-questions")
        await page.get_by_role("button", name="Verstuur het antwoord").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul dit in.")
        await checked(page, "a question answered empty")
        await page.get_by_label("Uw antwoord").fill("Goed: zij rekent op niveau 1F.")
        await page.get_by_role("button", name="Verstuur het antwoord").click()
        await expect(page.locator("main")).to_contain_text("Er wachten geen vragen op een antwoord.")
        seen = await r.call("dossier", "GET", f"/pupils/{pupil.id}/information-requests", vo)
        assert [q["answer"] for q in seen] == ["Goed: zij rekent op niveau 1F."]

        # a note, for the own school only
        await page.goto(f"/po/{SCHOOL}/pupils/{pupil.id}/notes")
        await page.get_by_role("button", name="Notitie toevoegen").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul dit in.")
        await checked(page, "a note without text")
        await page.fill("#text", "Gesprek met moeder over de overstap.")
        await page.get_by_role("button", name="Notitie toevoegen").click()
        await expect(page.locator("main")).to_contain_text("Gesprek met moeder over de overstap.")
        await checked(page, "the notes")

        # another school's administrator cannot open this pupil's OKI-doc by its address
        other = await invite(r, "school_admin", "directie@anders.example", school="34XY01")
        elsewhere = await (await watched(portal)).page()
        await log_in(elsewhere, other)
        for address in (base, f"/po/34XY01/pupils/{pupil.id}/oki-doc", f"/po/34XY01/pupils/{pupil.id}/notes"):
            await elsewhere.goto(address)
            await expect(elsewhere.locator("h1")).to_have_text("Pagina niet gevonden")
    finally:
        await r.close()


@pytest.mark.timeout(420)
async def test_in_zaanstad_the_primary_school_changes_a_list_with_consent_and_forwards_it(
    start_services, start_portal, watched, smtp, tmp_path
):
    region = "zaanstad"
    services = await start_services("identity", "dossier", "notificatie", LOKET_REGION=region)
    r = Region(region, services, tmp_path / "var", smtp)
    try:
        pupil = await r.pupil(1, "havo", given_name="Sem")
        now = datetime.now(UTC)
        (tmp_path / "procedure.toml").write_text(
            procedure_with_rounds(region, now, [RoundTimes(timedelta(hours=1), timedelta(hours=2))], seats=5)
        )
        aanmelding = await start_services(
            "aanmelding", LOKET_REGION=region, LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url
        portal = await start_portal({**services, **aanmelding}, LOKET_REGION=region)
        await r.ready_for(pupil)
        helper = await r.helper("havo")
        programs = chosen_list(helper)
        assert len(programs) >= 2, "a list to change the order of"
        await r.register(pupil, await r.parent_token(pupil), programs)

        await first_region_admin(r, services["identity"])
        admin = await invite(r, "school_admin", "directie@regenboog.example", school=SCHOOL)
        page = await (await watched(portal)).page()
        await log_in(page, admin)

        await page.goto(f"/po/{SCHOOL}/forwarding")
        await expect(page.locator("h1")).to_have_text("Aanmeldingen doorsturen")
        await checked(page, "the lists waiting to be forwarded")
        await screenshot(page, "po-forwarding")
        await page.get_by_role("link", name="Sem Test").click()
        await expect(page.locator("h1")).to_have_text("De voorkeurslijst van Sem Test")
        await checked(page, "a list to forward")

        # the parent agreed, in a conversation, to swap the first two schools; the consent is left out first
        swapped = [programs[1], programs[0], *programs[2:]]
        for index, program in enumerate(swapped):
            await page.select_option(f"#programs-{index}", program)
        await page.get_by_role("button", name="Sla de wijziging op").click()
        await expect(page.locator("#error-summary")).to_contain_text("Schrijf welke ouder instemde")
        await expect(page.locator("#programs-0")).to_have_value(programs[1])
        await checked(page, "a change without the parent's consent")
        await page.fill("#consent-given_by", "M. Test (moeder)")
        await page.fill("#consent-how", "In een gesprek op school")
        await page.get_by_role("button", name="Sla de wijziging op").click()
        await expect(page.locator("main [role=status]")).to_contain_text("met de instemming van de ouder")
        await expect(page.locator("main")).to_contain_text("met instemming van M. Test (moeder)")
        seen = await r.call("aanmelding", "GET", f"/pupils/{pupil.id}/registration", r.teacher)
        assert [choice["program"] for choice in seen["current"]["preferences"]] == swapped

        await page.get_by_role("button", name="Stuur de lijst door").click()
        await expect(page.locator("main [role=status]")).to_contain_text("doorgestuurd naar de school")
        await expect(page.get_by_role("button", name="Stuur de lijst door")).to_have_count(0)
        await page.goto(f"/po/{SCHOOL}/forwarding?show=forwarded")
        await expect(page.locator("main table")).to_contain_text("Sem Test")
        await checked(page, "the forwarded lists")
    finally:
        await r.close()
