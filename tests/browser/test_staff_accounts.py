"""A new region administrator in the browser: follows the invitation, enrols the second step with the QR
code the portal draws (the key read from the page, as someone typing it would), keeps the recovery codes,
logs in with one (it works) and again with the same one (refused); the security page counts the codes
left. Then the staff accounts: invites a school administrator (a bad e-mail address first), deactivates
and undoes it. A school administrator gets the not-found page for the region's staff accounts; a teacher turns the
second step on from the security page. axe-core
at 320 px and 1280 px on every page type, error states too."""

from __future__ import annotations

from pathlib import Path

import pytest
from loket_test_support import eventually, text_of
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, screenshot, submit
from region_support import PASSWORD, SCHOOL, Region, urlsplit_token
from staff_support import StaffMember, invite, invite_admin

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "regiobeheer@loket.example"
NEW_ADMIN = "directie@12ab01.example"


async def at_both_widths(page: Page, what: str) -> None:
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)
    await accessible(page, what)


async def first_region_admin(r: Region, identity: object) -> StaffMember:
    """The region's first administrator, invited by the operator's command line; the mail's link followed
    and PASSWORD chosen, not logged in yet: no second step."""
    await invite_admin(identity, ADMIN)
    email = ADMIN

    async def mail() -> object:
        found = r.smtp.inbox.to(email)
        return found[-1] if found else None

    link = next(word for word in text_of(await eventually(mail, within=60)).split() if "/invitation/" in word)
    accepted = await r.client.post(
        f"{r.url['identity']}/invitation/{urlsplit_token(link)}",
        data={"password": PASSWORD, "password_repeat": PASSWORD},
        headers={"Accept": "application/json"},
    )
    assert accepted.status_code < 300, accepted.text
    return StaffMember(email, "region_admin", "")


async def api_token(r: Region, member: StaffMember) -> dict[str, str]:
    """The member's own token from identity's API, with the next code from the app."""
    login = {"username": member.email, "password": PASSWORD, "totp_code": await member.code()}
    answer = await r.client.post(f"{r.url['identity']}/login", json=login)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def password_step(page: Page, email: str, next: str = "/region/staff") -> None:
    await page.goto(f"/login?next={next}")
    await page.fill("#username", email)
    await page.fill("#password", PASSWORD)
    await submit(page)


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Uitloggen").first.click()
    await expect(page.locator("h1")).to_be_visible()


@pytest.mark.timeout(420)
async def test_a_region_admin_enrols_with_the_qr_code_uses_a_recovery_code_once_and_manages_staff(
    start_services, start_portal, watched, smtp, tmp_path
):
    portal_port = start_services.planned["portaal"]
    services = await start_services(
        "identity", "dossier", "notificatie", LOKET_IDENTITY_PORTAL_URL=f"http://127.0.0.1:{portal_port}"
    )
    portal = await start_portal(services, port=portal_port)
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        admin = await first_region_admin(r, services["identity"])
        page = await (await watched(portal)).page()
        await page.set_viewport_size(PHONE)

        # the first login: the QR code and the key, then a code from the app
        await password_step(page, ADMIN)
        await expect(page.locator("h2", has_text="Tweede stap instellen")).to_be_visible()
        qr = page.locator("svg.qr-code[role=img]")
        await expect(qr).to_be_visible()
        assert await qr.get_attribute("aria-label") == "QR-code met de sleutel voor uw authenticator-app"
        await at_both_widths(page, "enrolling the second step (QR code)")
        await screenshot(page, "staff-second-step")
        admin.totp_secret = (await page.locator("#totp-key").inner_text()).strip()
        await page.fill("#password", PASSWORD)
        await page.fill("#totp_code", "000000" if await admin.code() != "000000" else "111111")
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("De code klopt niet")
        await expect(qr).to_be_visible()  # the same key again
        await at_both_widths(page, "enrolling the second step with a wrong code")
        await page.fill("#password", PASSWORD)
        await page.fill("#totp_code", await admin.code())
        await submit(page)

        # the recovery codes, once
        await expect(page.locator("h1")).to_have_text("Uw herstelcodes")
        codes = [code.strip() for code in await page.locator("ol.recovery-codes code").all_inner_texts()]
        assert len(codes) == 10
        await at_both_widths(page, "the recovery codes")
        await screenshot(page, "staff-recovery-codes")
        await page.get_by_role("link", name="Ik heb mijn herstelcodes bewaard. Verder").click()
        await expect(page.locator("h1")).to_have_text("Accounts van medewerkers")
        await log_out(page)

        # a recovery code in place of the app's code: once
        await password_step(page, ADMIN)
        await expect(page.locator("#totp_code")).to_be_visible()
        await at_both_widths(page, "the second step")
        await page.get_by_text("Herstelcode gebruiken").click()
        await page.fill("#password", PASSWORD)
        await page.fill("#recovery_code", codes[0].lower())
        await submit(page)
        await expect(page.locator("h1")).to_have_text("Accounts van medewerkers")
        await page.goto("/account/security")
        await expect(page.locator("main")).to_contain_text("Nog 9 codes")
        await at_both_widths(page, "the account's security")
        await screenshot(page, "staff-account-security")
        await log_out(page)

        await password_step(page, ADMIN)
        await page.get_by_text("Herstelcode gebruiken").click()
        await page.fill("#password", PASSWORD)
        await page.fill("#recovery_code", codes[0])
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("Deze herstelcode is al gebruikt")
        await expect(page.locator("#recovery_code")).to_be_visible()  # the option stays open at its error
        await at_both_widths(page, "a used recovery code")
        await page.fill("#password", PASSWORD)
        await page.fill("#totp_code", await admin.code())
        await submit(page)
        await expect(page.locator("h1")).to_have_text("Accounts van medewerkers")

        # a new set on the security page, shown once
        await page.goto("/account/security")
        await page.get_by_role("button", name="Nieuwe herstelcodes maken").click()
        await expect(page.locator("h1")).to_have_text("Uw herstelcodes")
        fresh = await page.locator("ol.recovery-codes code").all_inner_texts()
        assert len(fresh) == 10 and not set(fresh) & set(codes)

        # the staff accounts: invite a school administrator, a bad address first
        await page.goto("/region/staff")
        await at_both_widths(page, "the staff accounts")
        await page.get_by_role("link", name="Medewerker uitnodigen").click()
        await at_both_widths(page, "inviting a staff member")
        await page.fill("#email", "geen adres")
        await page.check("#role-3")  # school administrator
        await page.fill("#school", SCHOOL)
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("Schrijf het e-mailadres zo")
        await expect(page.locator("#school")).to_have_value(SCHOOL)
        await at_both_widths(page, "inviting a staff member with an error")
        await page.fill("#email", NEW_ADMIN)
        await submit(page)
        await expect(page.locator("main")).to_contain_text("De uitnodiging is verstuurd.")
        await screenshot(page, "region-staff")

        async def invitation() -> object:
            return smtp.inbox.to(NEW_ADMIN) or None

        await eventually(invitation, within=60, what="the invitation mail")

        await page.get_by_role("link", name=NEW_ADMIN).click()
        await expect(page.locator("main")).to_contain_text("Uitgenodigd")
        await at_both_widths(page, "a staff member's page")
        await page.get_by_role("button", name="Uitnodiging opnieuw versturen").click()
        await expect(page.locator("main")).to_contain_text("Er is een nieuwe uitnodiging verstuurd")
        await page.get_by_role("button", name="Deactiveren").click()
        await expect(page.locator("main")).to_contain_text("Het account is gedeactiveerd")
        await at_both_widths(page, "a deactivated staff member")
        await page.get_by_role("button", name="Deactiveren ongedaan maken").click()
        await expect(page.locator("main")).to_contain_text("Het deactiveren is ongedaan gemaakt")
        await page.fill("#school", "")
        await page.get_by_role("button", name="Rol wijzigen").click()
        await expect(page.locator("#error-summary")).to_contain_text("Vul de school in")
        await at_both_widths(page, "changing a role with an error")
        await log_out(page)

        # a school's administrator does not reach the region's staff accounts
        r.admin = await api_token(r, admin)
        director = await invite(r, "school_admin", "beheer@12ab01.example", school=SCHOOL)
        await password_step(page, director.email)
        await page.fill("#password", PASSWORD)
        await page.fill("#totp_code", await director.code())
        await submit(page)
        await expect(page.locator("h1")).to_have_text("Pagina niet gevonden")
        staff = await r.call("identity", "GET", "/staff", r.admin, params={"limit": 1})
        await page.goto(f"/region/staff/{staff[0]['id']}")
        await expect(page.locator("h1")).to_have_text("Pagina niet gevonden")
        await log_out(page)

        # a teacher, whose role does not require it, turns the second step on
        teacher = await invite(r, "school_user", "juf@12ab01.example", school=SCHOOL)
        assert teacher.totp_secret is None
        await password_step(page, teacher.email, next="/account/security")
        await expect(page.locator("main")).to_contain_text("Uit: u logt in met alleen uw wachtwoord.")
        await page.get_by_role("button", name="Tweede stap aanzetten").click()
        await expect(page.locator("svg.qr-code[role=img]")).to_be_visible()
        teacher.totp_secret = (await page.locator("#totp-key").inner_text()).strip()
        await page.fill("#totp_code", "12")
        await submit(page)
        await expect(page.locator("#error-summary")).to_contain_text("De code klopt niet")
        await at_both_widths(page, "turning the second step on, with an error")
        await page.fill("#totp_code", await teacher.code())
        await submit(page)
        await expect(page.locator("ol.recovery-codes code")).to_have_count(10)
        await page.goto("/account/security")
        await expect(page.locator("main")).to_contain_text("Nog 10 codes")
    finally:
        await r.close()
