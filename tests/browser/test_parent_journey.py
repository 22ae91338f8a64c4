"""A parent of each ELK region goes, in the browser, from the activation link in the school's mail to a
submitted registration and, after the publication moment, sees the placement and why not a school
higher on the list. Amsterdam's parent also stops half-way and resumes after logging in again, and makes
mistakes on the way (every page type checked with axe-core at 320 px and desktop width); Amstelland's
parent does it all in English; Zaanstad's with JavaScript switched off, and the primary school forwards.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, submit
from pypdf import PdfReader
from region_support import PASSWORD, SCHOOL, Region, RoundTimes, chosen_list, procedure_with_rounds, until

WINDOW = timedelta(seconds=80)  # the browser journey and the other parent fit in it on a loaded machine
PUBLISHED_AFTER = timedelta(seconds=40)  # the lottery's ceremony fits in it
ADVICE = {"amsterdam": "vmbo_b", "amstelland": "vmbo_b", "zaanstad": "vmbo_b"}
LANGUAGE = {"amsterdam": "nl", "amstelland": "en", "zaanstad": "nl"}


async def checked(page: Page, what: str, check: bool) -> None:
    """axe-core at 320 px and at desktop width (only where the browser runs JavaScript)."""
    if not check:
        return
    await accessible(page, what)
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)


@pytest.mark.timeout(480)  # most of it waits for the window to close and the publication moment
@pytest.mark.parametrize("region", ["amsterdam", "amstelland", "zaanstad"])
async def test_a_parent_registers_in_the_browser_and_sees_the_placement_and_why(
    region, start_services, start_portal, watched, smtp, tmp_path
):
    english, javascript = LANGUAGE[region] == "en", region != "zaanstad"
    axe = region == "amsterdam"
    portal_port = start_services.planned["portaal"]
    portal_url = f"http://127.0.0.1:{portal_port}"
    services = await start_services(
        "identity", "dossier", "notificatie", "loting", LOKET_REGION=region, LOKET_IDENTITY_PORTAL_URL=portal_url
    )
    r = Region(region, services, tmp_path / "var", smtp)
    try:
        ours = await r.pupil(1, ADVICE[region], given_name="Noor")
        rival = await r.pupil(2, ADVICE[region], given_name="Sam")

        now = datetime.now(UTC)
        (tmp_path / "procedure.toml").write_text(
            procedure_with_rounds(region, now, [RoundTimes(WINDOW, WINDOW + PUBLISHED_AFTER)], seats=1)
        )
        aanmelding = await start_services(
            "aanmelding", LOKET_REGION=region, LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml")
        )
        r.url["aanmelding"] = aanmelding["aanmelding"].url
        services = {**services, **aanmelding}
        portal = await start_portal(services, port=portal_port, LOKET_REGION=region)
        assert portal == portal_url
        await r.ready_for(ours)
        await r.ready_for(rival)
        helper = await r.helper(ADVICE[region])
        programs = chosen_list(helper)

        # the other parent registers first, with a brother at the first choice: the school grants it
        rival_parent = await r.parent_token(rival)
        rival_registration = await r.register(
            rival,
            rival_parent,
            programs,
            priority={"kind": "sibling", "at": programs[0], "sibling_name": "Ali", "sibling_class": "2b"},
        )
        if region == "zaanstad":  # the list reaches the secondary school when the primary school forwards it
            await r.call("aanmelding", "POST", f"/pupils/{rival.id}/registration/forwarding", r.teacher)
        first_school = next(p["school_brin"] for p in helper["programs"] if p["code"] == programs[0])
        decision = {"granted": True}
        path = f"/registrations/{rival_registration}/priority-decision"
        await r.call("aanmelding", "POST", path, r.staff(school=first_school), json=decision)

        # our parent: the activation link in the mail leads to the portal
        link = await r.parent_login(ours, LANGUAGE[region])
        assert link.startswith(f"{portal_url}/activate/"), link
        browser = await watched(portal, javascript=javascript)
        page = await browser.page()
        await page.goto(link)
        if english:
            await page.get_by_role("link", name="English").click()
            await expect(page.locator("h1")).to_have_text("Activate your account")
        else:
            await expect(page.locator("h1")).to_have_text("Activeer uw account")
        await checked(page, "the activation page", axe)
        if axe:  # a wrong birth date: the page again, the error summary, the school still chosen
            await page.check(f"input[name=school][value='{SCHOOL}']")
            await page.fill("#birth_date", "01-01-2013")
            await page.fill("#password", PASSWORD)
            await page.fill("#password_repeat", PASSWORD)
            await submit(page)
            await expect(page.locator("#error-summary")).to_be_visible()
            await expect(page.locator(f"input[name=school][value='{SCHOOL}']")).to_be_checked()
            await expect(page.locator("#birth_date")).to_have_value("01-01-2013")
            assert "birth" not in (await page.locator("#error-summary").inner_text()).lower()  # Dutch, not English
            await checked(page, "the activation page with an error", axe)
        await page.check(f"input[name=school][value='{SCHOOL}']")
        day, month, year = ours.birth_date[8:], ours.birth_date[5:7], ours.birth_date[:4]
        await page.fill("#birth_date", f"{day}-{month}-{year}")
        await page.fill("#password", PASSWORD)
        await page.fill("#password_repeat", PASSWORD)
        await submit(page)
        await expect(page.locator("h1")).to_contain_text("Noor Test")
        await checked(page, "the home page before starting", axe)

        await submit(page)  # start the registration
        await expect(page).to_have_url(f"{portal}/registration/child")
        if axe:
            await submit(page)  # nothing chosen
            await expect(page.locator("#error-summary")).to_contain_text("Kies ja of nee")
            await checked(page, "the child's details with an error", axe)
        await page.check("#correct")
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/contact")

        if region == "amsterdam":  # stops here, and comes back after logging in again
            await page.locator("header form button[type=submit]").click()
            await expect(page.locator("h1")).to_have_text("U bent uitgelogd")
            await checked(page, "the logged-out page", axe)
            await page.goto("/registration/contact")
            await expect(page).to_have_url(f"{portal}/login?next=/registration/contact")
            await page.fill("#username", ours.elk_number)
            await page.fill("#password", "not the password")
            await submit(page)
            await expect(page.locator("#error-summary")).to_contain_text("klopt niet")
            await expect(page.locator("#username")).to_have_value(ours.elk_number)
            await checked(page, "the login page with an error", axe)
            await page.fill("#password", PASSWORD)
            await submit(page)
            await expect(page).to_have_url(f"{portal}/registration/contact")
            await page.goto("/")
            await expect(page.locator(".task-list")).to_contain_text("Klaar")
            await checked(page, "the home page with the task list", axe)
            await page.get_by_role("link", name="Controleer uw contactgegevens").click()
            await expect(page).to_have_url(f"{portal}/registration/contact")

        await checked(page, "the contact details", axe)
        await page.check("#correct")
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/choices")
        await checked(page, "the choices", axe)
        if axe:
            await submit(page)  # an empty list
            await expect(page.locator("#error-summary")).to_be_visible()
            await checked(page, "the choices with an error", axe)
        for index, program in enumerate(programs):
            await page.select_option(f"#programs-{index}", program)
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/extra")
        await checked(page, "priority and twins", axe)
        if axe:  # twins registering together, without the twin's number: refused by aanmelding
            await page.check("#multiple_birth-is_multiple-2")
            await page.check("#multiple_birth-registering_together")
            await submit(page)
            await expect(page.locator("#error-summary")).to_be_visible()
            await expect(page.locator("#multiple_birth-is_multiple-2")).to_be_checked()
            await checked(page, "priority and twins with an error", axe)
            await page.check("#multiple_birth-is_multiple")
            await page.check("#multiple_birth-registering_together-2")
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/check")
        await checked(page, "check your answers", axe)
        if axe:
            await submit(page)
            await expect(page.locator("#error-summary")).to_contain_text("Typ uw naam")
            await checked(page, "check your answers with an error", axe)
        await page.fill("#signed_by", "Fatima Test")
        await submit(page)
        await expect(page).to_have_url(f"{portal}/registration/submitted")
        await expect(page.locator("h1")).to_have_text(
            "The registration is sent" if english else "De aanmelding is verstuurd"
        )
        await checked(page, "the confirmation", axe)
        if axe:
            await page.goto("/")
            await checked(page, "the home page after sending", axe)
            await page.get_by_role("link", name="Trek de aanmelding in om die te veranderen").click()
            await expect(page.locator("h1")).to_have_text("De aanmelding intrekken")
            await checked(page, "withdrawing", axe)

        proof = await page.request.get("/documents/proof-of-registration.pdf")
        assert proof.ok and proof.headers["content-type"] == "application/pdf", await proof.text()
        text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(await proof.body())).pages)
        first_name = next(p["school_name"] for p in helper["programs"] if p["code"] == programs[0])
        assert first_name in text

        if region == "zaanstad":  # the list went to the primary school, which forwards it
            await r.call("aanmelding", "POST", f"/pupils/{ours.id}/registration/forwarding", r.teacher)
            await page.goto("/")
            await expect(page.locator("main")).to_contain_text("naar de middelbare school gestuurd")

        # the window closes, the lottery runs; before the publication moment the parent sees no result
        await until(now + WINDOW)
        await r.lottery("ronde-1")
        await page.goto("/")
        assert await page.locator(".utrecht-heading-2", has_text="uitslag").count() == 0
        await until(now + WINDOW + PUBLISHED_AFTER)
        await page.goto("/")
        main = page.locator("main")
        if english:
            await expect(main).to_contain_text("Your child is placed at")
            await expect(main).to_contain_text("Why not a school higher on your list?")
            await expect(main).to_contain_text("priority")
        else:
            await expect(main).to_contain_text("Uw kind is geplaatst op")
            await expect(main).to_contain_text("Waarom niet een school hoger op uw lijst?")
            await expect(main).to_contain_text("voorrang")
        await checked(page, "the result", axe)
    finally:
        await r.close()
