"""Setting up the organisation: the region administrator adds boards, a board contact its schools, a
school administrator the school's groups and their teachers. Nobody reaches beyond their own part."""

import pytest
from dossier_support import OTHER_BOARD, OTHER_SCHOOL, OWN_BOARD, OWN_SCHOOL, Dossier

SERVICE = "dossier"


async def set_up(dossier: Dossier) -> None:
    admin = dossier.region_admin()
    for code, name in [(OWN_BOARD, "Stichting Amstelland Primair"), (OTHER_BOARD, "Stichting Elders")]:
        assert (await dossier.call("POST", "/boards", admin, json={"code": code, "name": name})).status_code == 201
    school = {"brin": "12ab01", "name": "De Regenboog", "board": OWN_BOARD}
    assert (await dossier.call("POST", "/schools", dossier.board_contact(), json=school)).status_code == 201
    other = {"brin": OTHER_SCHOOL, "name": "Het Anker", "board": OTHER_BOARD}
    assert (await dossier.call("POST", "/schools", admin, json=other)).status_code == 201


async def test_the_region_sets_up_boards_and_a_board_contact_its_own_schools(dossier: Dossier):
    await set_up(dossier)

    mine = await dossier.call("GET", "/schools", dossier.board_contact(schools=()))
    assert [school["brin"] for school in mine.json()] == [OWN_SCHOOL]  # normalised, and only its board's
    assert mine.json()[0]["board"] == OWN_BOARD and mine.json()[0]["sector"] == "primary"
    everything = await dossier.call("GET", "/schools", dossier.region_admin())
    assert [school["brin"] for school in everything.json()] == [OWN_SCHOOL, OTHER_SCHOOL]
    boards = await dossier.call("GET", "/boards", dossier.board_contact())
    assert [board["code"] for board in boards.json()] == [OWN_BOARD]


async def test_a_board_contact_may_not_set_up_a_school_of_another_board_nor_see_one(dossier: Dossier):
    await set_up(dossier)
    contact = dossier.board_contact()

    refused = await dossier.call(
        "POST", "/schools", contact, json={"brin": "56EF01", "name": "X", "board": OTHER_BOARD}
    )
    assert refused.status_code == 403
    assert (await dossier.call("GET", f"/schools/{OTHER_SCHOOL}", contact)).status_code == 404
    assert (await dossier.call("GET", f"/boards/{OTHER_BOARD}", contact)).status_code == 404
    assert (await dossier.call("GET", "/schools/56EF01", dossier.region_admin())).status_code == 404


async def test_a_school_administrator_adds_groups_with_their_teachers(dossier: Dossier):
    await set_up(dossier)
    admin = dossier.school_admin()

    created = await dossier.call(
        "POST", f"/schools/{OWN_SCHOOL}/groups", admin, json={"name": "8a", "year_level": 8, "teachers": ["t-1"]}
    )
    assert created.status_code == 201
    group = created.json()
    assert group["name"] == "8a" and group["teachers"] == ["t-1"]
    await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", admin, json={"name": "8b", "year_level": 8})

    changed = await dossier.call("PUT", f"/groups/{group['id']}/teachers", admin, json={"teachers": ["t-2", "t-1"]})
    assert changed.json()["teachers"] == ["t-2", "t-1"]
    listed = await dossier.call("GET", f"/schools/{OWN_SCHOOL}/groups", dossier.school_user())
    assert [(g["name"], sorted(g["teachers"])) for g in listed.json()] == [("8a", ["t-1", "t-2"]), ("8b", [])]


async def test_a_teacher_sees_the_groups_but_does_not_change_them(dossier: Dossier):
    await set_up(dossier)
    teacher = dossier.school_user()

    assert (
        await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", teacher, json={"name": "8c"})
    ).status_code == 403
    assert (await dossier.call("PATCH", f"/schools/{OWN_SCHOOL}", teacher, json={"name": "X"})).status_code == 403


async def test_staff_of_another_school_and_parents_do_not_reach_the_school(dossier: Dossier):
    await set_up(dossier)
    group = await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", dossier.school_admin(), json={"name": "8a"})

    elsewhere = dossier.school_admin(OTHER_SCHOOL)
    assert (await dossier.call("GET", f"/schools/{OWN_SCHOOL}", elsewhere)).status_code == 404
    assert (await dossier.call("GET", f"/schools/{OWN_SCHOOL}/groups", elsewhere)).status_code == 404
    assert (await dossier.call("GET", f"/groups/{group.json()['id']}", elsewhere)).status_code == 404
    parent = dossier.parent("00000000-0000-0000-0000-000000000001")
    assert (await dossier.call("GET", "/schools", parent)).status_code == 403


async def test_a_group_name_is_unique_within_its_school(dossier: Dossier):
    await set_up(dossier)
    admin = dossier.school_admin()
    await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", admin, json={"name": "8a"})

    again = await dossier.call("POST", f"/schools/{OWN_SCHOOL}/groups", admin, json={"name": " 8a "})

    assert again.status_code == 409


async def test_only_the_region_moves_a_school_to_another_board(dossier: Dossier):
    await set_up(dossier)

    moved = await dossier.call("PATCH", f"/schools/{OWN_SCHOOL}", dossier.board_contact(), json={"board": OTHER_BOARD})
    assert moved.status_code == 403
    renamed = await dossier.call("PATCH", f"/schools/{OWN_SCHOOL}", dossier.school_admin(), json={"name": "De Boog"})
    assert renamed.json()["name"] == "De Boog"
    moved = await dossier.call("PATCH", f"/schools/{OWN_SCHOOL}", dossier.region_admin(), json={"board": OTHER_BOARD})
    assert moved.json()["board"] == OTHER_BOARD
    assert (await dossier.call("GET", f"/schools/{OWN_SCHOOL}", dossier.board_contact(schools=()))).status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field", "says"),
    [
        ("/schools", {"brin": "12AB", "name": "X"}, "brin", "location"),
        ("/schools", {"brin": "12AB01", "name": "X", "board": "no such"}, "board", "board code"),
        ("/schools", {"brin": "12AB01", "name": "X", "board": "BG-9"}, "board", "no board"),
        ("/boards", {"code": "BG-3", "name": "  "}, "name", "1 to 200"),
        (f"/schools/{OWN_SCHOOL}/groups", {"name": "9z", "year_level": 9}, "year_level", "groep"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(dossier: Dossier, path, body, field, says):
    await set_up(dossier)

    response = await dossier.call("POST", path, dossier.region_admin(), json=body)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field] and says in problem["msg"]
