"""A school brings its pupils over from the export of its pupil administration (leerlingen overhalen).
New pupils are registered with ELK numbers; pupils registered by hand are linked by their exact name and
birth date (twins apart, a misspelled name never guessed); a re-import fills and follows the LAS but keeps
what staff changed by hand, unless the school asks to overwrite (Overschrijven). A bad row is not applied
at all; the BSN is sealed and never reported."""

import random
from datetime import date, timedelta

import pytest
from dossier_support import OTHER_SCHOOL, OWN_SCHOOL, Dossier, organisation, pupil, register
from sqlalchemy import func, select

from loket.dossier.domain.las_csv import LasCsvExport
from loket.dossier.domain.pupil_administration import Step, sync_field
from loket.dossier.persistence.models import AuditEntry, ParentLogin, Pupil, messaging

SERVICE = "dossier"

HEADER = (
    "leerlingnummer;bsn;roepnaam;tussenvoegsel;achternaam;geboortedatum;groep;straat;huisnummer;postcode;"
    "woonplaats;ouder1_naam;ouder1_email;ouder1_telefoon;ouder2_naam;ouder2_email;ouder2_telefoon"
)
GIVEN = ["Noor", "Sem", "Daan", "Julia", "Lucas", "Mila", "Finn", "Tess", "Levi", "Yara", "Bram", "Lotte"]
FAMILY = [("", "Jansen"), ("de", "Vries"), ("van", "Dijk"), ("", "Bakker"), ("", "Visser"), ("van der", "Berg")]


def valid_bsns(count: int) -> list[str]:
    """BSNs from the range the government keeps for tests, each passing the eleven test."""
    found = []
    for n in range(999990000, 999999999):
        digits = f"{n:09d}"
        if (sum((9 - i) * int(d) for i, d in enumerate(digits[:8])) - int(digits[8])) % 11 == 0:
            found.append(digits)
            if len(found) == count:
                return found
    raise AssertionError("not enough test BSNs")


def row(number: int, given: str, prefix: str, family: str, born: date, bsn: str = "", **more: str) -> str:
    cells = {
        "leerlingnummer": f"LL{number:04d}",
        "bsn": bsn,
        "roepnaam": given,
        "tussenvoegsel": prefix,
        "achternaam": family,
        "geboortedatum": born.strftime("%d-%m-%Y"),
        "groep": "8a" if number % 2 else "8b",
        "straat": "Schoolstraat",
        "huisnummer": str(number),
        "postcode": "1181 AB",
        "woonplaats": "Amstelveen",
        "ouder1_naam": f"Ouder van {given}",
        "ouder1_email": f"ouder.{number}@example.org",
        "ouder1_telefoon": "",
        "ouder2_naam": "",
        "ouder2_email": "",
        "ouder2_telefoon": "",
        **more,
    }
    return ";".join(cells[column] for column in HEADER.split(";"))


def export() -> list[str]:
    """Sixty pupils of groep 8: twins Emma and Noah de Boer, Sophie Bakker (the dossier says Sofie), Lucas
    Visser (registered by hand already), and 56 more; half of them with a BSN."""
    rng = random.Random(5)
    bsns = valid_bsns(30)
    rows = [
        row(1, "Emma", "de", "Boer", date(2014, 6, 21), bsns[0]),
        row(2, "Noah", "de", "Boer", date(2014, 6, 21), bsns[1]),
        row(3, "Sophie", "", "Bakker", date(2013, 11, 2)),
        row(4, "Lucas", "", "Visser", date(2014, 1, 15)),
    ]
    for number in range(5, 61):
        prefix, family = rng.choice(FAMILY)
        born = date(2013, 10, 1) + timedelta(days=rng.randrange(360))
        rows.append(row(number, rng.choice(GIVEN), prefix, family, born, bsns[number // 2] if number % 2 else ""))
    return rows


def csv_of(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


async def import_file(dossier: Dossier, headers: dict[str, str], content: str, school: str = OWN_SCHOOL, **params):  # type: ignore[no-untyped-def]
    return await dossier.client.post(
        f"/schools/{school}/pupil-import",
        content=content.encode(),
        params=params,
        headers={**headers, "Content-Type": "text/csv"},
    )


async def by_hand(dossier: Dossier) -> dict[str, str]:
    await organisation(dossier)
    return {
        given: await register(dossier, {**pupil(given, family, group="8a"), "birth_date": born})
        for given, family, born in [
            ("Emma", "de Boer", "2014-06-21"),  # one twin registered by hand, her brother not
            ("Sofie", "Bakker", "2013-11-02"),
            ("Lucas", "Visser", "2014-01-15"),
        ]
    }


async def test_sixty_pupils_come_over_twins_apart_and_a_misspelled_name_left_to_the_school(dossier: Dossier):
    known = await by_hand(dossier)
    admin = dossier.school_admin()
    rows = export()
    bad = row(61, "Fenna", "", "Smit", date(2014, 2, 28), geboortedatum="30-02-2014", postcode="12345")  # no such day

    response = await import_file(dossier, admin, csv_of([*rows, bad]))

    assert response.status_code == 200, response.text
    report = response.json()
    assert len(report["created"]) == 57 and report["skipped"] == [] and report["unchanged"] == []
    assert {(p["given_name"], p["linked"]) for p in report["changed"]} == {("Emma", True), ("Lucas", True)}
    emma = next(p for p in report["changed"] if p["given_name"] == "Emma")
    assert emma["pupil_id"] == known["Emma"]
    assert {"straat", "postcode", "ouder1_naam", "bsn"} <= set(emma["fields"])
    assert any(p["given_name"] == "Noah" and p["family_name"] == "de Boer" for p in report["created"])
    assert [(f["line"], f["field"]) for f in report["failed"]] == [
        (4, "roepnaam"),
        (62, "geboortedatum"),
        (62, "postcode"),
    ]
    assert "Sofie Bakker" in report["failed"][0]["reason"]
    numbers = sorted(int(p["elk_number"]) for p in report["created"])
    assert numbers == list(range(10004, 10061))  # after the three registered by hand
    for bsn in valid_bsns(30):
        assert bsn not in response.text

    async with dossier.runtime.database.transaction() as session:
        pupils = (await session.execute(select(Pupil).where(Pupil.school_brin == OWN_SCHOOL))).scalars().all()
        logins = (await session.execute(select(func.count()).select_from(ParentLogin))).scalar_one()
        events = (await session.execute(select(messaging.outbox.c.routing_key))).scalars().all()
        imported = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "pupil.imported"))).scalars().all()
        )
    assert len(pupils) == 60 and logins == 60  # 57 new, 3 by hand; Fenna is not there
    assert sum(1 for p in pupils if p.bsn_sealed is not None) == 30
    assert events.count("dossier.pupil.registered.v1") == 3 + 57
    assert events.count("dossier.registration_form.outdated.v1") == 2  # Emma and Lucas got an address
    moved = [p for p in report["changed"] if "groep" in p["fields"]]
    assert events.count("dossier.pupil.group_changed.v1") == 3 + 57 + len(moved)  # every group, for its teachers
    assert len(imported) == 57
    sofie = await dossier.call("GET", f"/pupils/{known['Sofie']}", admin)
    assert sofie.json()["given_name"] == "Sofie" and sofie.json()["address"] is None  # untouched


async def test_a_field_changed_by_hand_is_kept_unless_the_school_asks_to_overwrite(dossier: Dossier):
    await by_hand(dossier)
    admin = dossier.school_admin()
    rows = export()
    first = (await import_file(dossier, admin, csv_of(rows))).json()
    noah = next(p for p in first["created"] if p["given_name"] == "Noah")
    corrected = {"street": "Kerkweg", "house_number": "2a", "postcode": "1181 AB", "city": "Amstelveen"}
    hand = await dossier.call("PATCH", f"/pupils/{noah['pupil_id']}", admin, json={"address": corrected})
    assert hand.status_code == 200
    moved = rows[4].replace("Amstelveen", "Uithoorn")  # the LAS changed pupil 5's town; nobody did by hand
    again = csv_of([*rows[:4], moved, *rows[5:]])

    kept = (await import_file(dossier, admin, again)).json()

    skipped = {p["given_name"]: p["kept"] for p in kept["skipped"]}
    assert {name: [k["field"] for k in fields] for name, fields in skipped.items()} == {
        "Noah": ["straat", "huisnummer"],
        "Emma": ["ouder1_email"],  # registered by hand with another address, before any import
        "Lucas": ["groep", "ouder1_email"],
    }
    assert all("changed by hand" in k["reason"] and "overwrite" in k["reason"] for k in skipped["Noah"])
    assert "entered by hand" in skipped["Emma"][0]["reason"]
    assert [(p["line"], p["fields"]) for p in kept["changed"]] == [(6, ["woonplaats"])]
    assert len(kept["unchanged"]) == 60 - 5  # Sophie still fails
    address = (await dossier.call("GET", f"/pupils/{noah['pupil_id']}", admin)).json()["address"]
    assert address["street"] == "Kerkweg"

    overwritten = (await import_file(dossier, admin, again, overwrite="true")).json()

    assert {p["given_name"]: (p["fields"], p["kept"]) for p in overwritten["changed"]} == {
        "Noah": (["huisnummer", "straat"], []),
        "Emma": (["ouder1_email"], []),
        "Lucas": (["groep", "ouder1_email"], []),
    }
    assert overwritten["skipped"] == []
    address = (await dossier.call("GET", f"/pupils/{noah['pupil_id']}", admin)).json()["address"]
    assert (address["street"], address["house_number"]) == ("Schoolstraat", "2")
    trail = (await dossier.call("GET", f"/pupils/{noah['pupil_id']}/audit", admin)).json()
    assert [e["detail"].get("fields") for e in trail if e["action"] == "pupil.changed"] == [
        ["address"],
        ["huisnummer", "straat"],
    ]


async def test_a_bad_file_changes_nothing_and_only_whole_school_staff_of_the_school_import(dossier: Dossier):
    await organisation(dossier)
    one = csv_of([row(1, "Emma", "de", "Boer", date(2014, 6, 21))])

    bad = await import_file(dossier, dossier.school_admin(), "naam;geboortedatum\nEmma;21-06-2014\n")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "file"] and "leerlingnummer" in bad.json()["detail"][0]["msg"]
    teacher = dossier.school_user(groups=("8a",))
    assert (await import_file(dossier, teacher, one)).status_code == 403
    assert (await import_file(dossier, dossier.school_admin(), one, school=OTHER_SCHOOL)).status_code == 404
    assert (await import_file(dossier, dossier.region_admin(), one)).status_code == 403
    listed = await dossier.call("GET", "/pupils", dossier.region_admin())
    assert listed.json() == []

    created = (await import_file(dossier, dossier.school_user(), one)).json()  # the office: the whole school
    assert [p["elk_number"] for p in created["created"]] == ["10001"]
    twice = csv_of([row(1, "Emma", "de", "Boer", date(2014, 6, 21)), row(1, "Noah", "de", "Boer", date(2014, 6, 21))])
    duplicate = (await import_file(dossier, dossier.school_admin(), twice)).json()
    assert [(f["line"], f["field"]) for f in duplicate["failed"]] == [(2, "leerlingnummer"), (3, "leerlingnummer")]
    assert duplicate["unchanged"] == [] and duplicate["changed"] == []
    no_group = csv_of([row(2, "Noah", "de", "Boer", date(2014, 6, 21), groep="8c")])
    refused = (await import_file(dossier, dossier.school_admin(), no_group)).json()
    assert [(f["line"], f["pupil_number"], f["field"]) for f in refused["failed"]] == [(2, "LL0002", "groep")]
    assert refused["created"] == []


@pytest.mark.parametrize(
    ("current", "incoming", "last_imported", "overwrite", "step"),
    [
        ("Kerkweg", None, "Schoolstraat", False, Step.UNCHANGED),  # an empty cell says nothing
        ("Kerkweg", "Kerkweg", None, False, Step.UNCHANGED),
        (None, "Kerkweg", None, False, Step.FILL),
        ("Schoolstraat", "Kerkweg", "Schoolstraat", False, Step.FOLLOW),  # the LAS changed it
        ("Dorpsweg", "Kerkweg", "Schoolstraat", False, Step.KEEP),  # staff changed it by hand
        ("Dorpsweg", "Kerkweg", None, False, Step.KEEP),  # staff entered it before any import
        ("Dorpsweg", "Kerkweg", "Schoolstraat", True, Step.OVERWRITE),
    ],
)
def test_each_field_fills_follows_or_keeps_what_staff_changed(current, incoming, last_imported, overwrite, step):
    assert sync_field(current, incoming, last_imported, overwrite) is step


def test_a_row_with_a_mistyped_bsn_fails_whole_without_repeating_it():
    wrong = "999990018"
    content = csv_of(
        [row(1, "Emma", "de", "Boer", date(2014, 6, 21), wrong), row(2, "Noah", "de", "Boer", date(2014, 6, 21))]
    )

    read = LasCsvExport(content, today=date(2026, 12, 1)).read()

    assert [record.line for record in read.records] == [3]
    assert [(p.line, p.field) for p in read.problems] == [(2, "bsn")]
    assert wrong not in str(read.problems)
