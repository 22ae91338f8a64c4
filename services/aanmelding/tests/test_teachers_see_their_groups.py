"""A teacher sees only the pupils of their groups ("optioneel beperkt tot groepen"), as in the dossier: the
groups their token names, and the groups the school's administrator linked them to in the dossier. The
pupil's group and the group's teachers come from dossier's events; the latest counts, whatever order they
arrive in."""

from datetime import timedelta

from aanmelding_support import PRIMARY_SCHOOL

from loket.contracts.events import PupilGroupChanged

SERVICE = "aanmelding"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]


async def listed(aanmelding, headers: dict[str, str], query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    answer = await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils{query}", headers)
    assert answer.status_code == 200, answer.text
    return [row["pupil_id"] for row in answer.json()]


async def test_the_teacher_of_8a_sees_the_pupils_of_8a_and_the_administrator_sees_all(aanmelding):
    sanne, sem = [await aanmelding.pupil_with_advice("havo", group="8a") for _ in range(2)]
    bram = await aanmelding.pupil_with_advice("havo", group="8b")
    lotte = await aanmelding.pupil_with_advice("havo")  # in no group yet
    await aanmelding.teach("8a", "juf-anna")
    juf_anna = aanmelding.token("school_user", "juf-anna", schools=[PRIMARY_SCHOOL])
    by_token = aanmelding.token("school_user", "meester-piet", schools=[PRIMARY_SCHOOL], groups=["8b"])
    administrator = aanmelding.token("school_admin", schools=[PRIMARY_SCHOOL])

    assert sorted(await listed(aanmelding, juf_anna)) == sorted([str(sanne), str(sem)])
    assert await listed(aanmelding, by_token) == [str(bram)]
    assert set(await listed(aanmelding, administrator)) == {str(sanne), str(sem), str(bram), str(lotte)}
    assert await listed(aanmelding, administrator, "?group=8b") == [str(bram)]
    page = f"?pupil={sanne}&pupil={bram}"  # the pupils on the page of a list: the teacher still sees only 8a's
    assert set(await listed(aanmelding, administrator, page)) == {str(sanne), str(bram)}
    assert await listed(aanmelding, juf_anna, page) == [str(sanne)]
    rows = (await aanmelding.call("GET", f"/schools/{PRIMARY_SCHOOL}/pupils", administrator)).json()
    assert {row["pupil_id"]: row["group"] for row in rows}[str(lotte)] is None
    for pupil, seen in ((sanne, 200), (bram, 404), (lotte, 404)):
        answer = await aanmelding.call("GET", f"/pupils/{pupil}/registration", juf_anna)
        assert answer.status_code == seen, (pupil, answer.text)


async def test_the_teacher_helps_the_pupils_of_their_groups_only(aanmelding):
    mine = await aanmelding.pupil_with_advice("havo", group="8a")
    not_mine = await aanmelding.pupil_with_advice("havo", group="8b")
    await aanmelding.teach("8a", "juf-anna")
    juf_anna = aanmelding.token("school_user", "juf-anna", schools=[PRIMARY_SCHOOL])
    paper = {"programs": TO_LYCEUM, "signed_by": "M. de Ouder"}

    refused = await aanmelding.call("POST", f"/pupils/{not_mine}/registration/paper-form", juf_anna, json=paper)
    entered = await aanmelding.call("POST", f"/pupils/{mine}/registration/paper-form", juf_anna, json=paper)

    assert refused.status_code == 404 and "groups" in refused.json()["detail"]
    assert entered.status_code == 200 and entered.json()["paper_form"], entered.text
    assert (await aanmelding.call("GET", f"/pupils/{not_mine}/registration", aanmelding.teacher())).status_code == 200


async def test_a_pupil_who_moves_to_another_group_moves_to_its_teacher(aanmelding):
    pupil = await aanmelding.pupil_with_advice("havo", group="8a")
    await aanmelding.teach("8a", "juf-anna")
    await aanmelding.teach("8b", "meester-piet")
    juf_anna = aanmelding.token("school_user", "juf-anna", schools=[PRIMARY_SCHOOL])
    meester_piet = aanmelding.token("school_user", "meester-piet", schools=[PRIMARY_SCHOOL])

    await aanmelding.event(_grouped(pupil, "8b"), after=timedelta(minutes=2))
    await aanmelding.event(_grouped(pupil, "8a"), after=timedelta(minutes=1))  # older, arrives late: ignored

    assert await listed(aanmelding, juf_anna) == []
    assert await listed(aanmelding, meester_piet) == [str(pupil)]


async def test_a_teacher_linked_to_another_group_leaves_the_first(aanmelding):
    in_8a = await aanmelding.pupil_with_advice("havo", group="8a")
    in_8b = await aanmelding.pupil_with_advice("havo", group="8b")
    juf_anna = aanmelding.token("school_user", "juf-anna", schools=[PRIMARY_SCHOOL])

    await aanmelding.teach("8a", "juf-anna", after=timedelta(minutes=1))
    await aanmelding.teach("8b", "juf-anna", after=timedelta(minutes=1))
    await aanmelding.teach("8a", after=timedelta(minutes=3))  # 8a gets another teacher
    await aanmelding.teach("8a", "juf-anna", after=timedelta(minutes=2))  # older, arrives late: ignored

    assert await listed(aanmelding, juf_anna) == [str(in_8b)]
    assert str(in_8a) not in await listed(aanmelding, juf_anna)


def _grouped(pupil, group: str) -> PupilGroupChanged:  # type: ignore[no-untyped-def]
    return PupilGroupChanged(pupil_id=pupil, school_brin=PRIMARY_SCHOOL, group=group)
