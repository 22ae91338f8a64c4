"""A school imports its doorstroomtoets results file. Each row that fits exactly one pupil is recorded;
twins, a name spelled differently and rows that fit nobody are listed for matching by hand, never
guessed; a result already recorded is replaced only on request (Overschrijven)."""

import pytest
from dossier_support import OTHER_SCHOOL, Dossier, organisation, pupil, register

SERVICE = "dossier"

CLASS_8A = [  # (given name, family name, birth date)
    ("Noor", "de Vries", "2014-03-09"),
    ("Emma", "de Boer", "2014-06-21"),  # twins
    ("Noah", "de Boer", "2014-06-21"),
    ("Sofie", "Bakker", "2013-11-02"),  # the file spells her Sophie
    ("Zoë", "Jansen", "2014-01-15"),  # the file writes Zoe
    ("Daan", "Smit", "2014-02-28"),
]
FILE = """achternaam;voorvoegsel;roepnaam;geboortedatum;toets;advies
Vries;de;Noor;09-03-2014;Route 8;havo/vwo
Boer;de;Emma;21-06-2014;Route 8;vmbo-gl/tl
Boer;de;Noah;21-06-2014;Route 8;havo
Bakker;;Sophie;02-11-2013;Route 8;vmbo-k
Jansen;;Zoe;15-01-2014;Route 8;vwo
Smit;;Daan;28-02-2014;Route 8;gymnasium
Visser;;Fenna;30-04-2014;Route 8;havo
"""


@pytest.fixture
async def class_8a(dossier: Dossier) -> dict[str, str]:
    await organisation(dossier)
    ids = {}
    for given, family, born in CLASS_8A:
        ids[given] = await register(dossier, {**pupil(given, family, group="8a"), "birth_date": born})
    return ids


async def import_file(dossier: Dossier, headers: dict[str, str], content: str, **params: str):  # type: ignore[no-untyped-def]
    return await dossier.client.post(
        "/schools/12AB01/doorstroomtoets",
        content=content.encode(),
        params=params,
        headers={**headers, "Content-Type": "text/csv"},
    )


async def test_twins_and_a_misspelled_name_are_left_for_matching_by_hand(dossier: Dossier, class_8a):
    teacher = dossier.school_user(groups=("8a",))

    report = (await import_file(dossier, teacher, FILE)).json()

    assert [(row["given_name"], row["outcome"], row["advice"]) for row in report["matched"]] == [
        ("Noor", "recorded", "havo/vwo"),
        ("Zoë", "recorded", "vwo"),  # as the dossier writes her name
    ]
    ambiguous = {row["given_name"]: row for row in report["ambiguous"]}
    assert set(ambiguous) == {"Emma", "Noah", "Sophie"}
    assert {c["pupil_id"] for c in ambiguous["Emma"]["candidates"]} == {class_8a["Emma"], class_8a["Noah"]}
    assert [c["pupil_id"] for c in ambiguous["Sophie"]["candidates"]] == [class_8a["Sofie"]]
    assert [row["given_name"] for row in report["unmatched"]] == ["Fenna"]
    assert [(row["line"], row["problem"].split(":")[0]) for row in report["failed"]] == [(7, "advies")]

    noor = await dossier.call("GET", f"/pupils/{class_8a['Noor']}/oki-doc", teacher)
    assert noor.json()["advice"]["doorstroomtoets"]["level"] == "havo/vwo"
    emma = await dossier.call("GET", f"/pupils/{class_8a['Emma']}/oki-doc", teacher)
    assert emma.json()["advice"]["doorstroomtoets"] is None  # not guessed

    by_hand = await dossier.call(
        "PUT", f"/pupils/{class_8a['Emma']}/doorstroomtoets", teacher, json={"test": "Route 8", "level": "vmbo_gt"}
    )
    assert by_hand.json()["advice"]["doorstroomtoets"]["level"] == "vmbo_gt"


async def test_a_recorded_result_is_replaced_only_on_request(dossier: Dossier, class_8a):
    admin = dossier.school_admin()
    await import_file(dossier, admin, FILE)
    changed = FILE.replace("Vries;de;Noor;09-03-2014;Route 8;havo/vwo", "Vries;de;Noor;09-03-2014;Route 8;vwo")

    again = (await import_file(dossier, admin, changed)).json()
    outcomes = [row["outcome"] for row in again["matched"]]
    assert outcomes[0].startswith("skipped") and outcomes[1:] == ["unchanged"]
    overwritten = (await import_file(dossier, admin, changed, overwrite="true")).json()
    assert [row["outcome"] for row in overwritten["matched"]] == ["recorded", "unchanged"]


async def test_a_teacher_imports_only_for_the_pupils_of_their_own_groups(dossier: Dossier, class_8a):
    teacher_8b = dossier.school_user(groups=("8b",))

    report = (await import_file(dossier, teacher_8b, FILE)).json()

    assert report["matched"] == [] and report["ambiguous"] == []
    assert len(report["unmatched"]) == 6  # the pupils of 8a are not theirs to see


async def test_a_file_without_the_needed_columns_is_refused_and_other_schools_are_out_of_reach(dossier, class_8a):
    admin = dossier.school_admin()

    bad = await import_file(dossier, admin, "naam;advies\nNoor;havo\n")
    assert bad.status_code == 422 and "geboortedatum" in bad.json()["detail"][0]["msg"]
    elsewhere = await dossier.client.post(
        f"/schools/{OTHER_SCHOOL}/doorstroomtoets", content=FILE.encode(), headers=admin
    )
    assert elsewhere.status_code == 404
