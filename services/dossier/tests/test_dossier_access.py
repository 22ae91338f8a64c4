"""Who sees which pupil: a teacher the pupils of their own groups, a school its own pupils, a board
contact its schools', a parent only its own child. A pupil out of reach is answered 404, as if it did
not exist; every read by staff is in the audit trail, which nobody can change."""

import pytest
from dossier_support import (
    OTHER_BOARD,
    OTHER_SCHOOL,
    OWN_BOARD,
    OWN_SCHOOL,
    Dossier,
    organisation,
    published,
    pupil,
    register,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

SERVICE = "dossier"


@pytest.fixture
async def school(dossier: Dossier) -> dict[str, str]:
    await organisation(dossier)
    return {
        "noor": await register(dossier, pupil("Noor", "de Vries", group="8a")),
        "sem": await register(dossier, pupil("Sem", "Jansen", group="8b")),
        "lotte": await register(dossier, pupil("Lotte", "Bakker")),  # in no group yet
        "daan": await register(dossier, pupil("Daan", "Smit", school=OTHER_SCHOOL)),
    }


async def names(dossier: Dossier, headers: dict[str, str]) -> list[str]:
    response = await dossier.call("GET", "/pupils", headers)
    assert response.status_code == 200, response.text
    return sorted(found["given_name"] for found in response.json())


async def sees(dossier: Dossier, headers: dict[str, str], pupil_id: str) -> int:
    return (await dossier.call("GET", f"/pupils/{pupil_id}", headers)).status_code


async def test_a_teacher_sees_only_the_pupils_of_their_own_groups(dossier: Dossier, school):
    by_token = dossier.school_user(groups=("8a",), subject="someone")
    by_link = dossier.school_user(subject="t-8b")  # linked to 8b as its teacher in dossier

    assert await names(dossier, by_token) == ["Noor"]
    assert await names(dossier, by_link) == ["Sem"]
    assert [await sees(dossier, by_token, school[p]) for p in ("noor", "sem", "lotte", "daan")] == [200, 404, 404, 404]


async def test_school_staff_linked_to_no_group_see_the_whole_school_and_nothing_else(dossier: Dossier, school):
    intern_begeleider = dossier.school_user(subject="ib-1")

    assert await names(dossier, intern_begeleider) == ["Lotte", "Noor", "Sem"]
    assert await names(dossier, dossier.school_admin()) == ["Lotte", "Noor", "Sem"]
    assert await sees(dossier, dossier.school_admin(), school["daan"]) == 404
    assert await names(dossier, dossier.school_admin(OTHER_SCHOOL)) == ["Daan"]


async def test_a_board_contact_sees_its_schools_and_the_region_everything(dossier: Dossier, school):
    assert await names(dossier, dossier.board_contact(OWN_BOARD, (OWN_SCHOOL,))) == ["Lotte", "Noor", "Sem"]
    assert await sees(dossier, dossier.board_contact(OTHER_BOARD, (OTHER_SCHOOL,)), school["noor"]) == 404
    assert await names(dossier, dossier.region_admin()) == ["Daan", "Lotte", "Noor", "Sem"]


async def test_a_parent_sees_only_its_own_child(dossier: Dossier, school):
    parent = dossier.parent(school["noor"])

    own = await dossier.call("GET", f"/pupils/{school['noor']}", parent)
    assert own.status_code == 200 and own.json()["given_name"] == "Noor"
    assert await sees(dossier, parent, school["sem"]) == 404
    assert (await dossier.call("GET", "/pupils", parent)).status_code == 403


async def test_a_teacher_places_pupils_only_in_their_own_groups(dossier: Dossier, school):
    teacher = dossier.school_user(subject="t-8a")
    admin = dossier.school_admin()

    assert (
        await dossier.call("PUT", f"/pupils/{school['lotte']}/group", admin, json={"group": "8a"})
    ).status_code == 200
    assert await names(dossier, teacher) == ["Lotte", "Noor"]
    moved = await dossier.call("PUT", f"/pupils/{school['lotte']}/group", teacher, json={"group": "8b"})
    assert moved.status_code == 403
    unknown = await dossier.call("PUT", f"/pupils/{school['lotte']}/group", admin, json={"group": "7c"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "group"]
    parent = await dossier.call(
        "PUT", f"/pupils/{school['noor']}/group", dossier.parent(school["noor"]), json={"group": None}
    )
    assert parent.status_code == 403


async def test_the_other_services_hear_each_pupils_group_and_each_groups_teachers(dossier: Dossier, school):
    """aanmelding limits teachers to their groups as dossier does, from these events."""
    admin = dossier.school_admin()
    await dossier.call(
        "PUT", f"/pupils/{school['lotte']}/group", dossier.school_user(subject="t-8a"), json={"group": "8b"}
    )
    await dossier.call("PUT", f"/pupils/{school['lotte']}/group", admin, json={"group": "8a"})
    group_8b = [
        g for g in (await dossier.call("GET", f"/schools/{OWN_SCHOOL}/groups", admin)).json() if g["name"] == "8b"
    ]
    await dossier.call("PUT", f"/groups/{group_8b[0]['id']}/teachers", admin, json={"teachers": ["t-8b", "t-ib"]})

    grouped = [
        (e["pupil_id"], e["school_brin"], e["group"]) for e in await published(dossier, "dossier.pupil.group_changed")
    ]
    teachers = [(e["group"], e["teachers"]) for e in await published(dossier, "dossier.group.teachers_changed")]

    assert grouped == [
        (school["noor"], OWN_SCHOOL, "8a"),
        (school["sem"], OWN_SCHOOL, "8b"),
        (school["lotte"], OWN_SCHOOL, "8a"),
    ]
    assert teachers == [("8a", ["t-8a"]), ("8b", ["t-8b"]), ("8b", ["t-8b", "t-ib"])]


async def test_every_read_by_staff_is_audited_and_a_parents_own_read_is_not(dossier: Dossier, school):
    await sees(dossier, dossier.school_user(subject="t-8a"), school["noor"])
    await sees(dossier, dossier.token("school_user", "t-8a", schools=[OWN_SCHOOL]), school["noor"])
    await sees(dossier, dossier.parent(school["noor"]), school["noor"])
    await sees(dossier, dossier.school_user(subject="t-8b"), school["noor"])  # out of reach: 404, no read

    trail = await dossier.call("GET", f"/pupils/{school['noor']}/audit", dossier.school_admin())

    reads = [(entry["actor"], entry["actor_role"]) for entry in trail.json() if entry["action"] == "dossier.read"]
    assert reads == [("t-8a", "school_user"), ("t-8a", "school_user")]
    assert (await dossier.call("GET", f"/pupils/{school['noor']}/audit", dossier.school_user())).status_code == 403


async def test_a_board_contact_looking_along_is_named_in_the_audit_trail(dossier: Dossier, school):
    token = dossier.authority.mint(
        role="school_user",
        sub="t-8a",
        scope={"schools": [OWN_SCHOOL]},
        act={"sub": "board-contact-7", "role": "board_contact"},
    )
    await sees(dossier, {"Authorization": f"Bearer {token}"}, school["noor"])

    [entry] = (await dossier.call("GET", f"/pupils/{school['noor']}/audit", dossier.region_admin())).json()[-1:]

    assert (entry["action"], entry["actor"], entry["impersonator"]) == ("dossier.read", "t-8a", "board-contact-7")


@pytest.mark.parametrize("change", ["UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"])
async def test_the_audit_trail_cannot_be_changed_or_emptied(dossier: Dossier, school, change):
    await sees(dossier, dossier.school_admin(), school["noor"])

    with pytest.raises(DBAPIError, match="insert-only"):
        async with dossier.runtime.database.transaction() as session:
            await session.execute(text(change))
