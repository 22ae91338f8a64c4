"""A primary school in the browser: its administrator imports the pupils from the pupil administration's
export (a file without the needed columns first), sees them per group with their dots, gives a final
advice (forgetting the advice first), sends the parent logins of a whole group (the mails arrive), and
imports the doorstroomtoets results with a row left for matching by hand. A teacher of one group sees
only that group and gets the not-found page for a pupil of another group; an administrator of another
school gets it for this school's pupil. Every page type is checked with axe-core at 320 px and desktop
width, error states included; the pictures of docs/guide-po.md are taken here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loket_test_support import eventually, text_of
from playwright.async_api import Page, expect
from portal_browser import DESKTOP, PHONE, accessible, screenshot
from region_support import PASSWORD, SCHOOL, Region, RoundTimes, procedure_with_rounds, urlsplit_token
from staff_support import StaffMember, invite, invite_admin, log_in

OTHER_SCHOOL = "34CD01"
LAS_HEADER = (
    "leerlingnummer;bsn;roepnaam;tussenvoegsel;achternaam;geboortedatum;groep;straat;huisnummer;postcode;"
    "woonplaats;ouder1_naam;ouder1_email;ouder1_telefoon;ouder2_naam;ouder2_email;ouder2_telefoon"
)
CLASS = [  # pupil number, given name, prefix, family name, birth date, group
    ("LL01", "Noor", "de", "Vries", "09-03-2014", "8a"),
    ("LL02", "Sem", "", "Bakker", "21-06-2014", "8a"),
    ("LL03", "Julia", "van", "Dijk", "02-11-2013", "8a"),
    ("LL04", "Finn", "", "Visser", "15-01-2014", "8b"),
]


def address(given: str) -> str:
    return f"ouder.{given.lower()}@example.org"


def las_export() -> str:
    rows = [
        f"{number};;{given};{prefix};{family};{born};{group};Schoolstraat;1;1181 AB;Amstelveen;"
        f"Ouder van {given};{address(given)};;;;"
        for number, given, prefix, family, born, group in CLASS
    ]
    return "\n".join([LAS_HEADER, *rows]) + "\n"


TOETS = """achternaam;voorvoegsel;roepnaam;geboortedatum;toets;advies
Vries;de;Noor;09-03-2014;Route 8;havo/vwo
Bakker;;Sam;21-06-2014;Route 8;vmbo-gt
"""


async def first_region_admin(r: Region, identity: object) -> None:
    """The region's first administrator, invited by the operator's command line (identity's staff routes act
    for a real account only); `r.admin` becomes its token, so that it invites the school's staff."""
    email = "beheer@regio.example"
    await invite_admin(identity, email)

    async def mail() -> object:
        found = r.smtp.inbox.to(email)
        return found[-1] if found else None

    link = next(
        word
        for word in text_of(await eventually(mail, within=60, what="the invitation")).split()
        if "/invitation/" in word
    )
    identity_url = r.url["identity"]
    form = {"password": PASSWORD, "password_repeat": PASSWORD}
    accepted = await r.client.post(
        f"{identity_url}/invitation/{urlsplit_token(link)}", data=form, headers={"Accept": "application/json"}
    )
    assert accepted.status_code < 300, accepted.text
    member = StaffMember(email, "region_admin", "")
    answer = await r.client.post(f"{identity_url}/login", json={"username": email, "password": PASSWORD})
    if answer.status_code == 401 and answer.json().get("totp_secret"):
        member.totp_secret = answer.json()["totp_secret"]
        login = {"username": email, "password": PASSWORD, "totp_code": await member.code()}
        answer = await r.client.post(f"{identity_url}/login", json=login)
    assert answer.status_code == 200, answer.text
    r.admin = {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def checked(page: Page, what: str) -> None:
    await accessible(page, what)
    await page.set_viewport_size(DESKTOP)
    await accessible(page, what)
    await page.set_viewport_size(PHONE)


async def picture(page: Page, name: str) -> None:
    """The guide's picture, at desktop width (the dots beside the names)."""
    await page.set_viewport_size(DESKTOP)
    await screenshot(page, name)
    await page.set_viewport_size(PHONE)


async def upload(page: Page, field: str, name: str, content: str, button: str) -> None:
    await page.set_input_files(field, files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}])
    await page.get_by_role("button", name=button).click()


@pytest.mark.timeout(600)
async def test_a_primary_school_imports_its_pupils_gives_advice_and_sends_a_groups_logins(
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
        for brin, name in [(SCHOOL, "De Regenboog"), (OTHER_SCHOOL, "De Klimop")]:
            await r.call("dossier", "POST", "/schools", r.admin, json={"brin": brin, "name": name})
        groups = {}
        for group in ("8a", "8b"):
            made = await r.call("dossier", "POST", f"/schools/{SCHOOL}/groups", r.admin, json={"name": group})
            groups[group] = made["id"]
        await first_region_admin(r, services["identity"])
        admin = await invite(r, "school_admin", "directie@regenboog.example", school=SCHOOL)
        page = await (await watched(portal)).page()
        await log_in(page, admin)

        # no pupils yet: the list says where they come from
        await page.goto(f"/po/{SCHOOL}")
        await expect(page.locator("h1")).to_contain_text("Leerlingen")
        await expect(page.locator("main table")).to_contain_text("Hier staan nog geen leerlingen")
        await checked(page, "the empty list of pupils")

        # the pupil import: a file without the needed columns first
        menu = page.get_by_role("navigation", name="Menu voor medewerkers")
        await menu.get_by_role("link", name="Importeren").click()
        await expect(page.locator("h1")).to_contain_text("Importeren")
        await checked(page, "the imports page")
        await upload(page, "#file", "export.csv", "naam;advies\nNoor;havo\n", "Leerlingen importeren")
        await expect(page.locator("#error-summary")).to_contain_text("ontbreken kolommen")
        await expect(page.locator("#error-summary a")).to_have_attribute("href", "#file")
        await checked(page, "the imports page with an error")
        await upload(page, "#file", "export.csv", las_export(), "Leerlingen importeren")
        await expect(page.locator("#pupil-report")).to_contain_text("Nieuwe leerlingen: 4")
        await checked(page, "the pupil import's report")
        await picture(page, "po-imports")

        # the list per group, with the dots
        await page.goto(f"/po/{SCHOOL}")
        await page.select_option("#group", "8a")
        await page.get_by_role("button", name="Tonen").click()
        table = page.locator("main table")
        await expect(table.locator("tbody tr")).to_have_count(3)
        await expect(table).to_contain_text("Niet verstuurd")
        await expect(table).not_to_contain_text("Visser")
        await expect(page.locator("main")).to_contain_text("3 rijen")
        await checked(page, "the pupils of a group")
        await expect(table.locator("tbody tr").first).to_contain_text("Bakker")  # by name
        await page.get_by_role("link", name="Naam").click()  # descending now
        await expect(table.locator("tbody tr").first).to_contain_text("van Dijk")
        await picture(page, "po-pupils")

        # the final advice: the advice forgotten first
        pupils = {row["given_name"]: row for row in await r.call("dossier", "GET", "/pupils", r.admin)}
        noor = pupils["Noor"]["id"]
        await table.get_by_role("link", name="de Vries, Noor").click()
        await expect(page.locator("h1")).to_have_text("Noor de Vries")
        await checked(page, "the pupil's page")
        await page.fill("#advice-final-motivation", "Werkt zelfstandig en plant goed.")
        await page.get_by_role("button", name="Definitief advies bewaren").click()
        await expect(page.locator("#error-summary")).to_contain_text("Kies een advies.")
        await expect(page.locator("#advice-final-motivation")).to_have_value("Werkt zelfstandig en plant goed.")
        await expect(page.locator("#advice-final-level")).to_have_attribute("aria-invalid", "true")
        await checked(page, "the final advice with an error")
        await page.select_option("#advice-final-level", "havo")
        await page.get_by_role("button", name="Definitief advies bewaren").click()
        await expect(page.locator("main [role=status]")).to_contain_text("Het definitief advies is bewaard")
        await expect(page.locator("#final-advice")).to_contain_text("havo")

        # the details: the OKI-doc's checklist links here; a wrong e-mail address first
        await page.fill("#pupil-parents-1-name", "R. de Vries")
        await page.fill("#pupil-parents-1-email", "geen adres")
        await page.get_by_role("button", name="Gegevens bewaren").click()
        await expect(page.locator("#error-summary a")).to_have_attribute("href", "#pupil-parents-1-email")
        await expect(page.locator("#pupil-parents-1-name")).to_have_value("R. de Vries")
        await checked(page, "the pupil's details with an error")
        await page.fill("#pupil-parents-1-email", "r.devries@example.org")
        await page.get_by_role("button", name="Gegevens bewaren").click()
        await expect(page.locator("main [role=status]")).to_contain_text("De gegevens zijn bewaard.")
        await picture(page, "po-pupil")

        # the parent logins of group 8a at once, once identity knows the pupils
        async def known() -> bool:
            for pupil in ("Noor", "Sem", "Julia"):
                found = await r.call("dossier", "GET", f"/pupils/{pupils[pupil]['id']}", r.admin)
                if found["parent_logins"][0]["changed_at"] is None:
                    return False
            return True

        await eventually(known, within=60, what="identity to know the pupils")
        await page.goto(f"/po/{SCHOOL}?group=8a")
        await page.get_by_role("button", name="Verstuur ouderinlogs voor groep 8a").click()
        await expect(page.locator("h1")).to_have_text("Ouderinlogs van groep 8a")
        await expect(page.locator("main [role=status]").first).to_contain_text("3 e-mails zijn onderweg.")
        await checked(page, "a group's parent logins sent")
        await picture(page, "po-group-sent")

        async def mails() -> bool:
            return all(smtp.inbox.to(address(given)) for given in ("Noor", "Sem", "Julia"))

        await eventually(mails, within=60, what="the parents' mails")
        assert not smtp.inbox.to(address("Finn"))  # group 8b: nobody mailed
        await page.goto(f"/po/{SCHOOL}/pupils/{noor}")
        await expect(page.locator("#parent-logins")).to_contain_text("Laatst verstuurd")

        # sending the group again: nobody twice, unless asked
        await page.goto(f"/po/{SCHOOL}?group=8a")
        await page.get_by_role("button", name="Verstuur ouderinlogs voor groep 8a").click()
        await expect(page.locator("main table")).to_contain_text("Eerder verstuurd, nog niet geactiveerd")

        # the doorstroomtoets: Sem's name is spelled differently in the file
        await page.goto(f"/po/{SCHOOL}/imports")
        await upload(page, "#toets_file", "toets.csv", TOETS, "Uitslagen importeren")
        await expect(page.locator("#toets-report")).to_contain_text("1 uitslag hoort bij een leerling.")
        await expect(page.locator("#toets-report")).to_contain_text("Regel 3: Sam Bakker")
        await checked(page, "the doorstroomtoets report with a row left")
        await picture(page, "po-doorstroomtoets")
        await page.get_by_role("button", name="Bewaar bij deze leerling").click()
        await expect(page.locator("#error-summary")).to_contain_text("Kies de leerling")
        await checked(page, "matching by hand with an error")
        await page.get_by_label("Sem Bakker").check()
        await page.get_by_role("button", name="Bewaar bij deze leerling").click()
        await expect(page.locator("main [role=status]")).to_contain_text("De uitslag is bewaard bij Sem Bakker.")
        sem = await r.call("dossier", "GET", f"/pupils/{pupils['Sem']['id']}/oki-doc", r.admin)
        assert sem["advice"]["doorstroomtoets"]["level"] == "vmbo_gt"

        # a pupil by hand, in 8b: the birth date forgotten first
        await page.goto(f"/po/{SCHOOL}?group=8b")
        await page.get_by_role("link", name="Een leerling met de hand toevoegen").click()
        await expect(page.locator("#group")).to_have_value("8b")
        await page.fill("#given_name", "Lina")
        await page.fill("#family_name", "Smit")
        await page.fill("#parent_email", address("Lina"))
        await page.get_by_role("button", name="Leerling toevoegen").click()
        await expect(page.locator("#error-summary a")).to_have_attribute("href", "#birth_date")
        await expect(page.locator("#given_name")).to_have_value("Lina")
        await checked(page, "a pupil by hand with an error")
        await page.fill("#birth_date", "2014-05-01")
        await page.get_by_role("button", name="Leerling toevoegen").click()
        await expect(page.locator("main [role=status]")).to_contain_text("De leerling is toegevoegd met ELK-nummer")
        assert not smtp.inbox.to(address("Lina"))

        # a teacher of 8a sees that group only, and not Finn of 8b by his address
        teacher = await invite(r, "school_user", "juf.8a@regenboog.example", school=SCHOOL, groups=["8a"])
        teacher_page = await (await watched(portal)).page()
        await log_in(teacher_page, teacher)
        await teacher_page.goto(f"/po/{SCHOOL}")
        await expect(teacher_page.locator("main table tbody tr")).to_have_count(3)
        await expect(teacher_page.locator("main table")).not_to_contain_text("Visser")
        await expect(teacher_page.get_by_role("button", name="Verstuur ouderinlogs voor groep 8b")).to_have_count(0)
        await teacher_page.goto(f"/po/{SCHOOL}/pupils/{pupils['Finn']['id']}")
        await expect(teacher_page.locator("h1")).to_have_text("Pagina niet gevonden")
        await checked(teacher_page, "the not-found page for a pupil of another group")

        # the administrator of another school: not this school's pupil, under either school's address
        other = await invite(r, "school_admin", "directie@klimop.example", school=OTHER_SCHOOL)
        other_page = await (await watched(portal)).page()
        await log_in(other_page, other)
        for url in (f"/po/{SCHOOL}/pupils/{noor}", f"/po/{OTHER_SCHOOL}/pupils/{noor}", f"/po/{SCHOOL}"):
            await other_page.goto(url)
            await expect(other_page.locator("h1")).to_have_text("Pagina niet gevonden")
    finally:
        await r.close()
