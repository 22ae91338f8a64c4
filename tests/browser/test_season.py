"""One season of the demo region, driven through the portal by its staff and its parents: every step a
person takes is taken in the browser.

The region's administrator (the operator's first one, `first_region_admin`) invites the primary school's
and the secondary school's administrators at /region/staff; each follows the invitation mail into the
portal, chooses a password, enrols the second step and keeps the recovery codes. The primary school
imports its pupils from the pupil administration's file, completes and finalises an OKI-doc, gives the
final advices and sends the parent logins of group 8a. Three parents activate from the mail and register,
one with a priority claim (a brother) at the first choice. The secondary school grants the claim and
marks that pupil Geplaatst. After the window closes the region takes the market and asks loting for the
ceremony, the notary enters the seed at the ceremony page, and the result is applied; the secondary
school prepares its placement letters. At the publication moment the parents see the placement on their
home page and the letters arrive.

What no person does in the portal is done through the services: the operator's first administrator, the
schools and the groups the region sets up (there is no page for them), reading the test's mail server and
waiting for events to travel. Zaanstad's forwarding of a list with a consented change is the Zaanstad
test of test_oki_doc.py; the pages' axe-core checks are in each page's own test (two here)."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from loket_test_support import activation_link, eventually, text_of
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, submit
from region_support import PASSWORD, SCHOOL, Region, RoundTimes, procedure_with_rounds, until
from staff_support import StaffMember, first_region_admin, log_in

LYCEUM = "94AB00"  # a secondary school of the demo procedure, with priority for a brother or sister
# about 80 s of steps before the lottery (measured on a loaded two-core machine) fit in the window twice
CLOSES = timedelta(seconds=160)
PUBLISHED = timedelta(seconds=210)  # the ceremony and the letters (about 10 s) fit between the two
LAS_HEADER = (
    "leerlingnummer;bsn;roepnaam;tussenvoegsel;achternaam;geboortedatum;groep;straat;huisnummer;postcode;"
    "woonplaats;ouder1_naam;ouder1_email;ouder1_telefoon;ouder2_naam;ouder2_email;ouder2_telefoon"
)
CLASS = [  # pupil number, given name, prefix, family name, birth date, group
    ("LL01", "Noor", "de", "Vries", "09-03-2014", "8a"),
    ("LL02", "Sem", "", "Bakker", "21-06-2014", "8a"),
    ("LL03", "Julia", "van", "Dijk", "02-11-2013", "8a"),
]


def address(given: str) -> str:
    return f"ouder.{given.lower()}@example.org"


def las_export() -> str:
    rows = [
        f"{number};;{given};{prefix};{family};{born};{group};Schoolstraat;1;1181 AB;Amstelveen;"
        f"Ouder van {given};{address(given)};0612345678;;;"
        for number, given, prefix, family, born, group in CLASS
    ]
    return "\n".join([LAS_HEADER, *rows]) + "\n"


class Clock:
    """How far the season is, printed (shown when the test fails, and with -s)."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, what: str) -> None:
        print(f"{time.monotonic() - self.start:6.1f}s {what}")


async def mail_to(r: Region, email: str, before: int, what: str) -> Any:
    async def arrived() -> Any:
        found = r.smtp.inbox.to(email)
        return found[-1] if len(found) > before else None

    return await eventually(arrived, within=90, what=what)


async def reloaded_until(page: Page, text: str, within: float = 90) -> None:
    """A page the person reloads (no JavaScript needed) until it says `text`."""

    async def says() -> bool:
        await page.reload()
        return text in await page.locator("main").inner_text()

    await eventually(says, within=within, what=f"the page to say {text!r}")


async def accepts_invitation(r: Region, page: Page, member: StaffMember, before: int) -> None:
    """The invitation mail's link, the password chosen in the portal, the first login with the second step
    enrolled (the key read from the page, as someone typing it in the app), the recovery codes kept."""
    message = await mail_to(r, member.email, before, f"the invitation to {member.email}")
    link = next(word for word in text_of(message).split() if "/invitation/" in word)
    await page.goto(link)
    await expect(page.locator("h1")).to_have_text("Kies uw wachtwoord")
    await page.fill("#password", PASSWORD)
    await page.fill("#password_repeat", PASSWORD)
    await submit(page)
    await expect(page.locator("main [role=status]")).to_be_visible()
    await page.locator("main").get_by_role("link", name="Inloggen").click()
    await page.fill("#username", member.email)
    await page.fill("#password", PASSWORD)
    await submit(page)
    member.totp_secret = (await page.locator("#totp-key").inner_text()).strip()
    await page.fill("#password", PASSWORD)
    await page.fill("#totp_code", await member.code())
    await submit(page)
    await expect(page.locator("h1")).to_have_text("Uw herstelcodes")
    await page.get_by_role("link", name="Ik heb mijn herstelcodes bewaard. Verder").click()
    await expect(page.locator("nav.staff-nav")).to_be_visible()


async def invites(page: Page, email: str, school: str) -> None:
    """The region's administrator invites a school's administrator at /region/staff."""
    await page.goto("/region/staff")
    await page.get_by_role("link", name="Medewerker uitnodigen").click()
    await page.fill("#email", email)
    await page.check("#role-3")  # school administrator
    await page.fill("#school", school)
    await submit(page)
    await expect(page.locator("main")).to_contain_text("De uitnodiging is verstuurd.")


async def oki_doc_made_final(page: Page, base: str) -> None:
    """The OKI-doc's tabs filled, Volledig, the parents' inspection, Definitief (as test_oki_doc.py)."""

    async def save() -> None:
        await page.get_by_role("button", name="Opslaan").click()
        await expect(page.locator("main [role=status]")).to_contain_text("Opgeslagen.")

    await page.goto(f"{base}/school_career")
    await page.fill("#school_career-0-school_year", "2024-2025")
    await page.fill("#school_career-0-school", "De Regenboog")
    await page.fill("#school_career-0-year_level", "7")
    await save()
    await page.goto(f"{base}/advice")
    await page.select_option("#advice-provisional_8-level", "havo")
    await page.fill("#advice-provisional_8-motivation", "Werkt zelfstandig en plant goed.")
    await page.fill("#advice-support_advice", "Geen extra ondersteuning nodig.")
    await page.check("#advice-tafelmiddag-2")  # no
    await page.fill("#advice-contact_person-name", "J. Jansen (ib)")
    await save()
    await page.goto(f"{base}/test_results")
    await page.fill("#test_results-0-school_year", "2024-2025")
    await page.fill("#test_results-0-subject", "rekenen-wiskunde")
    await page.fill("#test_results-0-test", "Cito M7")
    await page.fill("#test_results-0-level", "1F")
    await save()
    await page.goto(f"{base}/support")
    await page.fill("#support-absence-authorised_days", "2")
    await page.fill("#support-absence-unauthorised_days", "0")
    await page.fill("#support-didactic-0-item", "technisch lezen")
    await page.select_option("#support-didactic-0-assessment", "goes_well")
    await page.fill("#support-behaviour-0-item", "taakaanpak")
    await page.select_option("#support-behaviour-0-assessment", "goes_well")
    await save()
    await page.goto(f"{base}/overview")
    await page.fill("#overview-parents_inspected_on", date.today().isoformat())
    await page.check("#overview-parents_agreed")  # yes
    await save()
    await page.goto(base)
    await expect(page.locator("#checklist")).to_contain_text("Alle verplichte velden zijn ingevuld.")
    await page.get_by_role("button", name="Maak Volledig").click()
    await expect(page.locator("main dl")).to_contain_text("Volledig")
    await page.get_by_role("button", name="Maak Definitief").click()
    await expect(page.locator("main dl")).to_contain_text("Definitief")


async def registers(
    page: Page, link: str, given: str, born: str, programs: list[str], sibling: str | None = None
) -> None:
    """A parent from the activation link to a submitted registration, a brother at the first choice or not."""
    await page.goto(link)
    await expect(page.locator("h1")).to_have_text("Activeer uw account")
    await page.check(f"input[name=school][value='{SCHOOL}']")
    await page.fill("#birth_date", born)
    await page.fill("#password", PASSWORD)
    await page.fill("#password_repeat", PASSWORD)
    await submit(page)
    await expect(page.locator("h1")).to_contain_text(given)
    await submit(page)  # start the registration
    await expect(page).to_have_url(re.compile(r"/registration/child$"))
    for _details in ("the child's", "the contact"):
        await page.check("#correct")
        await submit(page)
    for index, program in enumerate(programs):
        await page.select_option(f"#programs-{index}", program)
    await submit(page)
    await expect(page.locator("h1")).to_have_text("Voorrang en tweelingen")
    if sibling:
        await page.check("input[name='priority.kind'][value='sibling']")
        await page.fill("#priority-sibling_name", sibling)
        await page.fill("#priority-sibling_class", "2b")
    await submit(page)
    await page.fill("#signed_by", "Ouder")
    await submit(page)
    await expect(page.locator("h1")).to_have_text("De aanmelding is verstuurd")


@pytest.mark.timeout(480)  # it waits for the window to close and for the publication moment
async def test_one_season_of_the_demo_region_through_the_portal(start_services, start_portal, watched, smtp, tmp_path):
    clock = Clock()
    now = datetime.now(UTC)
    (tmp_path / "procedure.toml").write_text(
        procedure_with_rounds("demo", now, [RoundTimes(CLOSES, PUBLISHED)], seats=5)
    )
    portal_port = start_services.planned["portaal"]
    services = await start_services(
        "identity",
        "dossier",
        "aanmelding",
        "notificatie",
        "loting",
        LOKET_AANMELDING_PROCEDURE_FILE=str(tmp_path / "procedure.toml"),
        LOKET_IDENTITY_PORTAL_URL=f"http://127.0.0.1:{portal_port}",
    )
    portal = await start_portal(services, port=portal_port)
    r = Region("demo", services, tmp_path / "var", smtp)
    try:
        clock("services and portal ready")
        # what the region sets up without a page: the operator's first administrator, the schools, the groups
        admin = await first_region_admin(r, services["identity"])
        for brin, name, sector in ((SCHOOL, "De Regenboog", "primary"), (LYCEUM, "Demo Lyceum", "secondary")):
            school = {"brin": brin, "name": name, "sector": sector, "contact_email": f"info@{brin}.example"}
            await r.call("dossier", "POST", "/schools", r.admin, json=school)
        await r.call("dossier", "POST", f"/schools/{SCHOOL}/groups", r.admin, json={"name": "8a"})

        # the region invites the two schools' administrators; they accept in the portal
        region_page = await (await watched(portal)).page()
        await log_in(region_page, admin)
        po_admin = StaffMember("directie@regenboog.example", "school_admin", "", SCHOOL)
        vo_admin = StaffMember("toelating@lyceum.example", "school_admin", "", LYCEUM)
        for member in (po_admin, vo_admin):
            await invites(region_page, member.email, member.school or "")
        po = await (await watched(portal)).page()
        await accepts_invitation(r, po, po_admin, 0)
        await expect(po).to_have_url(f"{portal}/po/{SCHOOL}")
        vo = await (await watched(portal)).page()
        await accepts_invitation(r, vo, vo_admin, 0)
        await expect(vo).to_have_url(f"{portal}/vo/{LYCEUM}")
        clock("the schools' administrators signed in")

        # the primary school: the pupils from the file, an OKI-doc made Definitief, the final advices
        await po.goto(f"/po/{SCHOOL}/imports")
        await po.set_input_files(
            "#file", files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": las_export().encode()}]
        )
        await po.get_by_role("button", name="Leerlingen importeren").click()
        await expect(po.locator("#pupil-report")).to_contain_text(f"Nieuwe leerlingen: {len(CLASS)}")
        await po.goto(f"/po/{SCHOOL}?group=8a")
        table = po.locator("main table")
        await expect(table.locator("tbody tr")).to_have_count(len(CLASS))
        pupil_pages = {}
        for _number, given, prefix, family, _born, _group in CLASS:
            name = f"{f'{prefix} ' if prefix else ''}{family}, {given}"
            pupil_pages[given] = await table.get_by_role("link", name=name).get_attribute("href")
        noor = pupil_pages["Noor"]
        await oki_doc_made_final(po, f"{noor}/oki-doc")
        clock("Noor's OKI-doc is Definitief")
        for given, href in pupil_pages.items():
            await po.goto(href)
            await po.select_option("#advice-final-level", "havo")
            await po.fill("#advice-final-motivation", f"{given} werkt zelfstandig.")
            await po.get_by_role("button", name="Definitief advies bewaren").click()
            await expect(po.locator("main [role=status]")).to_contain_text("Het definitief advies is bewaard")
        clock("the final advices given")

        # the parent logins of group 8a, once identity knows the pupils (an event away)
        ids = {given: href.rsplit("/", 1)[-1] for given, href in pupil_pages.items()}

        async def known() -> bool:
            for pupil_id in ids.values():
                found = await r.call("dossier", "GET", f"/pupils/{pupil_id}", r.admin)
                if found["parent_logins"][0]["changed_at"] is None:
                    return False
            return True

        await eventually(known, within=60, what="identity to know the pupils")
        await po.goto(f"/po/{SCHOOL}?group=8a")
        await po.get_by_role("button", name="Verstuur ouderinlogs voor groep 8a").click()
        await expect(po.locator("main [role=status]").first).to_contain_text(f"{len(CLASS)} e-mails zijn onderweg.")
        links = {
            given: activation_link(await mail_to(r, address(given), 0, f"the activation mail for {given}'s parent"))
            for given in ids
        }
        assert all(link.startswith(f"{portal}/activate/") for link in links.values()), links

        # the parents register once aanmelding has heard the final advices; Sem has a brother at the Lyceum
        async def open_() -> bool:
            seen = await r.call("aanmelding", "GET", f"/schools/{SCHOOL}/pupils", r.teacher)
            return sum(row["pupil_id"] in ids.values() and row["readiness"] == "open" for row in seen) == len(ids)

        await eventually(open_, within=60, what="aanmelding to hear the final advices")
        helper = await r.helper("havo")
        first = f"{LYCEUM}-havo"
        others = [program["code"] for program in helper["programs"] if program["school_brin"] != LYCEUM]
        programs = [first, *others][: helper["length"]["min"]]
        parents: dict[str, Page] = {}
        for _number, given, _prefix, _family, born, _group in CLASS:
            parents[given] = await (await watched(portal)).page()
            sibling = "Daan Bakker" if given == "Sem" else None
            await registers(parents[given], links[given], given, born, programs, sibling)
        await parents["Sem"].goto("/")
        await accessible(parents["Sem"], "a parent's home page after sending")
        clock("the parents registered")
        assert datetime.now(UTC) < now + CLOSES, "the steps before the lottery took longer than the window: CLOSES"

        # the secondary school: the registrations arrive; Sem's brother is confirmed, Sem is Geplaatst
        await reloaded_until(vo, "Bakker, Sem")
        await vo.get_by_role("link", name="Bakker, Sem").click()
        await expect(vo.locator("h1")).to_have_text("Sem Bakker")
        await expect(vo.locator("main")).to_contain_text("Daan Bakker")
        await vo.check("#priority-granted")
        await vo.fill("#priority-reason", "Broer Daan zit in klas 2b.")
        await vo.get_by_role("button", name="Besluit opslaan").click()
        await expect(vo.locator("main [role=status]")).to_contain_text("Opgeslagen.")
        await expect(vo.locator("#priority").locator("..")).to_contain_text("toegekend")
        await vo.get_by_role("button", name="Zet op Geplaatst").click()
        await expect(vo.locator("main")).to_contain_text("Geplaatst op")
        clock("the priority decided, Sem Geplaatst")

        # the window closes: the region takes the market and asks loting for the ceremony
        await until(now + CLOSES)
        clock("the window is closed")
        main = region_page.locator("main")
        await region_page.goto("/region/rounds/ronde-1")
        await region_page.get_by_role("button", name="Leg de markt vast").click()
        await expect(main).to_contain_text("Markt vastgelegd")
        await region_page.get_by_role("button", name="Vraag loting om de loting te houden").click()
        await region_page.get_by_role("link", name="Open de pagina van de loting (voor de notaris)").click()
        await expect(region_page.locator("h1")).to_have_text("Loting met de notaris")

        # the notary enters the seed; the result comes back and is applied
        await reloaded_until(region_page, "wacht op het startgetal")
        await region_page.fill("#entered_by", "mr. A. de Vries, notaris")
        await region_page.fill("#source-0", "6 2 5 1 3 4")
        await region_page.get_by_role("button", name="Voer het startgetal in en start de loting").click()
        await reloaded_until(region_page, "Klaar.")
        await region_page.goto("/region/rounds/ronde-1")
        await reloaded_until(region_page, "Verwerkt op")
        await expect(main).to_contain_text(f"{len(CLASS)} geplaatst, 0 niet geplaatst")
        clock("the result applied")

        # the secondary school prepares the letters for its pupils, mailed at the publication moment
        await vo.goto(f"/vo/{LYCEUM}/letters")
        letters = vo.locator("main input[name=registrations]")
        await expect(letters).to_have_count(len(CLASS))
        for index in range(len(CLASS)):
            await letters.nth(index).check()
        await vo.fill("#signatory_name", "J. Jansen")
        await vo.fill("#signatory_role", "directeur")
        await vo.get_by_role("button", name="Zet de brieven klaar").click()
        await expect(vo.locator("main [role=status]")).to_contain_text("De brieven staan klaar")
        prepared = vo.locator("#letters").locator("xpath=following-sibling::div[1]").locator("tbody tr")
        await expect(prepared.filter(has_text="Wacht op het moment van bekendmaking")).to_have_count(len(CLASS))
        await vo.set_viewport_size(DESKTOP)
        await accessible(vo, "the letters prepared")
        await vo.set_viewport_size(PHONE)
        before = {given: len(smtp.inbox.to(address(given))) for given in ids}
        await parents["Noor"].goto("/")
        assert await parents["Noor"].locator(".utrecht-heading-2", has_text="uitslag").count() == 0
        assert datetime.now(UTC) < now + PUBLISHED, "the letters were prepared after the publication moment"
        clock("the letters prepared")

        # the publication moment: the parents see the placement, the letters arrive
        await until(now + PUBLISHED)
        for given, page in parents.items():
            await page.goto("/")
            await expect(page.locator("main")).to_contain_text("Uw kind is geplaatst op")
            await expect(page.locator("main")).to_contain_text("Demo Lyceum")
            letter = await mail_to(r, address(given), before[given], f"the placement letter to {given}'s parent")
            assert "Demo Lyceum" in text_of(letter) or "Demo Lyceum" in str(letter["Subject"]), letter["Subject"]
        await vo.goto(f"/vo/{LYCEUM}/letters")
        await expect(prepared.filter(has_text="Verstuurd")).to_have_count(len(CLASS))
        clock("published, the letters sent")
    finally:
        await r.close()
