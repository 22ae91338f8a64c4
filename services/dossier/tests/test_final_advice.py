"""The doorstroomtoets result and the final advice. The final advice is an event that opens
registration for the pupil, saying which pupil, which school and which advice, and nothing else. When
the doorstroomtoets result is higher than the advice, the school raises the advice or says why not."""

import pytest
from dossier_support import OWN_SCHOOL, Dossier, organisation, pupil, register
from sqlalchemy import select

from loket.dossier.persistence.models import messaging

SERVICE = "dossier"


@pytest.fixture
async def noor(dossier: Dossier) -> str:
    await organisation(dossier)
    return await register(dossier, pupil("Noor", "de Vries", group="8a"))


async def given_advices(dossier: Dossier) -> list[dict[str, str]]:
    async with dossier.runtime.database.transaction() as session:
        rows = (await session.execute(select(messaging.outbox.c.body).order_by(messaging.outbox.c.seq))).scalars()
        return [body["payload"] for body in rows if body["type"] == "dossier.final_advice.given"]


async def test_a_final_advice_is_announced_with_the_pupil_the_school_and_the_advice_only(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",))

    given = await dossier.call(
        "PUT", f"/pupils/{noor}/final-advice", teacher, json={"level": "vmbo_gt/havo", "motivation": "Past goed."}
    )

    assert given.status_code == 200
    assert given.json()["advice"]["final"]["level"] == "vmbo_gt/havo"
    assert await given_advices(dossier) == [{"pupil_id": noor, "school_brin": OWN_SCHOOL, "advice": "vmbo_gt/havo"}]


async def test_the_same_advice_again_is_not_announced_twice_and_a_changed_one_is(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",))
    url = f"/pupils/{noor}/final-advice"

    await dossier.call("PUT", url, teacher, json={"level": "havo"})
    await dossier.call("PUT", url, teacher, json={"level": "havo", "motivation": "Aangevuld."})
    await dossier.call("PUT", url, teacher, json={"level": "havo/vwo"})

    assert [advice["advice"] for advice in await given_advices(dossier)] == ["havo", "havo/vwo"]


async def test_below_a_higher_doorstroomtoets_result_the_school_raises_the_advice_or_says_why_not(
    dossier: Dossier, noor
):
    teacher = dossier.school_user(groups=("8a",))
    result = await dossier.call(
        "PUT", f"/pupils/{noor}/doorstroomtoets", teacher, json={"test": "Route 8", "level": "havo"}
    )
    assert result.json()["advice"]["doorstroomtoets"]["level"] == "havo"

    kept = await dossier.call("PUT", f"/pupils/{noor}/final-advice", teacher, json={"level": "vmbo_gt"})
    assert kept.status_code == 422
    [problem] = kept.json()["detail"]
    assert problem["loc"] == ["body", "not_raised_because"] and "havo" in problem["msg"]
    assert await given_advices(dossier) == []

    reasons = {"level": "vmbo_gt", "not_raised_because": "Werkhouding past nog niet bij havo; ouders betrokken."}
    assert (await dossier.call("PUT", f"/pupils/{noor}/final-advice", teacher, json=reasons)).status_code == 200
    raised = await dossier.call("PUT", f"/pupils/{noor}/final-advice", teacher, json={"level": "havo"})
    assert raised.status_code == 200 and raised.json()["revision_needed"] is False


async def test_a_later_higher_result_marks_the_final_advice_for_revision(dossier: Dossier, noor):
    teacher = dossier.school_user(groups=("8a",))
    await dossier.call("PUT", f"/pupils/{noor}/final-advice", teacher, json={"level": "vmbo_k"})

    result = await dossier.call("PUT", f"/pupils/{noor}/doorstroomtoets", teacher, json={"level": "vmbo_gt"})

    assert result.json()["revision_needed"] is True


@pytest.mark.parametrize("level", ["gymnasium", "vmbo_b/havo", "vwo/havo", ""])
async def test_an_advice_that_is_no_advice_is_refused(dossier: Dossier, noor, level):
    teacher = dossier.school_user(groups=("8a",))

    response = await dossier.call("PUT", f"/pupils/{noor}/final-advice", teacher, json={"level": level})

    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "level"]


async def test_only_the_pupils_own_school_gives_its_advice(dossier: Dossier, noor):
    for caller, status in [
        (dossier.parent(noor), 403),
        (dossier.region_admin(), 403),
        (dossier.board_contact(), 403),
        (dossier.school_user(groups=("8b",)), 404),
        (dossier.school_admin("34CD01"), 404),
    ]:
        response = await dossier.call("PUT", f"/pupils/{noor}/final-advice", caller, json={"level": "havo"})
        assert response.status_code == status
    assert await given_advices(dossier) == []
