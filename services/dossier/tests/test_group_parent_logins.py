"""The primary school's list of pupils, a page at a time, and the parent logins of a whole group sent in
one go: each pupil's answer says what happened (sent, sent before, activated already, no address), an
activated login is left alone, and a teacher sends only for their own groups."""

from typing import Any

import pytest
from dossier_support import OTHER_SCHOOL, OWN_SCHOOL, Dossier, organisation, pupil, register
from test_parent_login import events, identity_says

SERVICE = "dossier"


@pytest.fixture
async def class_8a(dossier: Dossier) -> dict[str, str]:
    await organisation(dossier)
    ids = {}
    for given, family in [("Noor", "de Vries"), ("Sem", "Bakker"), ("Daan", "Jansen"), ("Mila", "Smit")]:
        ids[given] = await register(dossier, pupil(given, family, group="8a"))
    ids["Finn"] = await register(dossier, pupil("Finn", "Visser", group="8b"))
    return ids


async def group_id(dossier: Dossier, name: str, school: str = OWN_SCHOOL) -> str:
    groups = (await dossier.call("GET", f"/schools/{school}/groups", dossier.region_admin())).json()
    return str(next(group["id"] for group in groups if group["name"] == name))


async def send_group(dossier: Dossier, caller: dict[str, str], group: str, **body: Any):  # type: ignore[no-untyped-def]
    return await dossier.call("POST", f"/groups/{group}/parent-logins", caller, json=body or None)


async def test_the_school_sends_a_whole_groups_logins_and_hears_per_pupil_what_happened(dossier: Dossier, class_8a):
    await identity_says(dossier, class_8a["Sem"], "activated", 3)
    await identity_says(dossier, class_8a["Daan"], "failed", 2)
    await identity_says(dossier, class_8a["Mila"], "sent", 1)
    teacher = dossier.school_user(groups=("8a",))

    answer = await send_group(dossier, teacher, await group_id(dossier, "8a"), language="en")

    assert answer.status_code == 200, answer.text
    outcomes = {row["given_name"]: (row["outcome"], row["state"]) for row in answer.json()}
    assert outcomes == {
        "Noor": ("sent", "not_sent"),
        "Sem": ("already_activated", "activated"),
        "Daan": ("sent", "failed"),
        "Mila": ("already_sent", "sent"),
    }
    asked = await events(dossier, "dossier.parent_login.requested")
    assert {event["payload"]["pupil_id"] for event in asked} == {class_8a["Noor"], class_8a["Daan"]}
    assert {event["payload"]["language"] for event in asked} == {"en"}

    again = await send_group(dossier, teacher, await group_id(dossier, "8a"), again=True)
    assert {row["given_name"] for row in again.json() if row["outcome"] == "sent"} == {"Noor", "Daan", "Mila"}


async def test_a_teacher_sends_only_for_their_own_groups_and_another_school_finds_no_group(dossier, class_8a):
    teacher = dossier.school_user(groups=("8a",))
    assert (await send_group(dossier, teacher, await group_id(dossier, "8b"))).status_code == 404
    assert (
        await send_group(dossier, dossier.school_admin(OTHER_SCHOOL), await group_id(dossier, "8a"))
    ).status_code == 404
    assert (await send_group(dossier, dossier.board_contact(), await group_id(dossier, "8a"))).status_code == 403
    assert await events(dossier, "dossier.parent_login.requested") == []


async def test_the_list_comes_a_page_at_a_time_sorted_with_its_length(dossier: Dossier, class_8a):
    admin = dossier.school_admin()
    await identity_says(dossier, class_8a["Sem"], "activated", 3)
    await identity_says(dossier, class_8a["Daan"], "failed", 2)

    first = await dossier.call("GET", "/pupils", admin, params={"school": OWN_SCHOOL, "limit": 2, "sort": "name"})
    second = await dossier.call(
        "GET", "/pupils", admin, params={"school": OWN_SCHOOL, "limit": 2, "offset": 2, "sort": "name"}
    )
    assert first.headers["X-Total-Count"] == "5"
    assert [row["family_name"] for row in first.json() + second.json()] == ["Bakker", "de Vries", "Jansen", "Smit"]

    by_login = await dossier.call(
        "GET", "/pupils", admin, params={"school": OWN_SCHOOL, "group": "8a", "sort": "login"}
    )
    assert [row["given_name"] for row in by_login.json()][-2:] == ["Daan", "Sem"]  # failed, then activated
    assert by_login.headers["X-Total-Count"] == "4"

    teacher = await dossier.call("GET", "/pupils", dossier.school_user(groups=("8b",)), params={"limit": 10})
    assert [row["given_name"] for row in teacher.json()] == ["Finn"] and teacher.headers["X-Total-Count"] == "1"
    unknown = await dossier.call("GET", "/pupils", admin, params={"sort": "shoe_size"})
    assert unknown.status_code == 422


async def test_without_a_limit_the_list_answers_as_before(dossier: Dossier, class_8a):
    found = await dossier.call("GET", "/pupils", dossier.school_admin())
    assert [row["group"] for row in found.json()] == ["8a", "8a", "8a", "8a", "8b"]
    assert "X-Total-Count" in found.headers
