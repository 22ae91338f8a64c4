"""A round's lottery, from the registrations to the published placement: the region takes the market, the
ceremony's `loting` command solves it with the notary's seed, the region applies the result. Schools see
the placements at once, parents from the publication moment on, not a second earlier; a pupil with a
full list who ends unplaced is flagged. Here every program has one seat, so four pupils who rank the
same three programs leave one unplaced."""

import asyncio
import hashlib
import json
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from aanmelding_support import SEED, Aanmelding, lottery_run, solve

from loket.aanmelding.app import build
from loket.aanmelding.settings import AanmeldingSettings
from loket.contracts.events import ResultIssued, RunRefused

SERVICE = "aanmelding"
LIST = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
DEMO = Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/demo.toml"


@pytest.fixture
def procedure_file(tmp_path):  # type: ignore[no-untyped-def]
    scarce = tmp_path / "demo.toml"
    lines = DEMO.read_text().splitlines()
    scarce.write_text("\n".join("  seats = 1" if line.strip().startswith("seats =") else line for line in lines))
    return scarce


async def test_from_registrations_to_the_published_placement(aanmelding, tmp_path):
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(4)]
    for pupil in pupils:
        assert (await aanmelding.register(pupil, LIST)).json()["state"] == "submitted"
    lottery, market_text, result_text = await lottery_run(aanmelding, tmp_path)

    applied = await aanmelding.call(
        "POST",
        f"/lotteries/{lottery}/result",
        aanmelding.token("region_admin"),
        json={"market": market_text, "result": result_text},
    )

    assert applied.status_code == 200, applied.text
    assert (applied.json()["placed"], applied.json()["unplaced"]) == (3, 1)
    lyceum = (await aanmelding.call("GET", "/schools/94AB00/registrations", aanmelding.teacher("94AB00"))).json()
    assert sorted(str(row["placement"]["program"]) for row in lyceum) == [
        "94AA00-havo",
        "94AB00-hv",
        "94AC00-havo",
        "None",
    ]

    parent_view = [
        await aanmelding.call("GET", f"/pupils/{pupil}/registration", aanmelding.parent(pupil)) for pupil in pupils
    ]
    assert all(view.json()["current"]["placement"] is None for view in parent_view)  # before the moment

    publication = aanmelding.app.state.procedure.rounds[0].publication_at
    aanmelding.clock.now = publication
    after = [
        await aanmelding.call("GET", f"/pupils/{pupil}/registration", aanmelding.parent(pupil)) for pupil in pupils
    ]
    placements = [view.json()["current"]["placement"] for view in after]
    assert sorted(str(placement["program"]) for placement in placements) == [
        "94AA00-havo",
        "94AB00-hv",
        "94AC00-havo",
        "None",
    ]
    [unplaced] = [placement for placement in placements if placement["program"] is None]
    assert unplaced["full_list_unplaced"] is True

    flagged = await aanmelding.call("GET", f"/lotteries/{lottery}/unplaced", aanmelding.token("region_admin"))
    assert [row["full_list"] for row in flagged.json()] == [True]


async def test_taking_and_applying_a_lottery_are_announced_with_their_hashes_and_no_pupil(aanmelding, tmp_path):
    for _ in range(4):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    lottery, market_text, result_text = await lottery_run(aanmelding, tmp_path)
    commitment = (await aanmelding.call("GET", f"/lotteries/{lottery}", aanmelding.token("region_admin"))).json()
    await aanmelding.call(
        "POST",
        f"/lotteries/{lottery}/result",
        aanmelding.token("region_admin"),
        json={"market": market_text, "result": result_text},
    )

    [taken] = await aanmelding.events("aanmelding.lottery.taken.v1")
    [applied] = await aanmelding.events("aanmelding.lottery.applied.v1")
    assert (taken["lottery_id"], taken["round"], taken["registrations"]) == (lottery, "ronde-1", 4)
    assert taken["market_sha256"] == commitment["commitment_sha256"]
    assert (applied["lottery_id"], applied["placed"], applied["unplaced"]) == (lottery, 3, 1)
    assert applied["result_sha256"] == hashlib.sha256(result_text.encode()).hexdigest()
    assert "student" not in json.dumps([taken, applied])


async def test_a_result_that_does_not_belong_to_the_lottery_is_refused_and_changes_nothing(aanmelding, tmp_path):
    for _ in range(2):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    lottery, market_text, result_text = await lottery_run(aanmelding, tmp_path)
    region = aanmelding.token("region_admin")
    result = json.loads(result_text)
    swapped = {**result, "assignments": [{**a, "program": "94AC00-havo", "rank": 3} for a in result["assignments"]]}
    other_seed = json.dumps({**json.loads(market_text), "seed": "00" * 32})

    for market, tampered, where in [
        (market_text, json.dumps(swapped), ["body", "result", "assignments"]),  # two pupils at a one-seat program
        (other_seed, result_text, ["body", "result", "market_sha256"]),
        (market_text.replace('"94AB00-hv"', '"94AA00-vwo"', 1), result_text, ["body", "market"]),
    ]:
        refused = await aanmelding.call(
            "POST", f"/lotteries/{lottery}/result", region, json={"market": market, "result": tampered}
        )
        assert refused.status_code == 422, refused.text
        if where:
            assert refused.json()["detail"][0]["loc"] == where

    assert (await aanmelding.call("GET", f"/lotteries/{lottery}", region)).json()["applied_at"] is None
    right = await aanmelding.call(
        "POST", f"/lotteries/{lottery}/result", region, json={"market": market_text, "result": result_text}
    )
    again = await aanmelding.call(
        "POST", f"/lotteries/{lottery}/result", region, json={"market": market_text, "result": result_text}
    )
    assert right.status_code == 200 and again.status_code == 409


async def test_only_the_region_takes_and_applies_a_lottery(aanmelding):
    await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)

    assert (await aanmelding.call("POST", "/rounds/ronde-1/lotteries", aanmelding.teacher("94AB00"))).status_code == 403
    assert (await aanmelding.call("POST", "/rounds/ronde-1/lotteries", {})).status_code == 401


async def test_the_market_is_not_taken_while_parents_can_still_register(aanmelding):
    await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    region = aanmelding.token("region_admin")

    early = await aanmelding.call("POST", "/rounds/ronde-1/lotteries", region)

    assert early.status_code == 409
    assert "open until 30-06-2027 17:00" in early.json()["detail"], early.text
    preview = await aanmelding.call("GET", "/rounds/ronde-1/market", region)
    assert preview.status_code == 200 and len(preview.json()["students"]) == 1
    assert (await aanmelding.take_lottery()).status_code == 201  # once the window has closed


def issued_by_loting(lottery: str, commitment_sha256: str, market_text: str, result_text: str) -> ResultIssued:
    """What loting sends back once the notary's seed made the lottery's run complete."""
    return ResultIssued(
        run_id=UUID(lottery),
        label="demo: 1e ronde",
        commitment_sha256=commitment_sha256,
        market=market_text,
        market_sha256=hashlib.sha256(market_text.encode()).hexdigest(),
        result=result_text,
        result_sha256=hashlib.sha256(result_text.encode()).hexdigest(),
    )


async def test_the_region_asks_loting_for_the_ceremony_and_the_result_applies_itself_when_it_comes_back(
    aanmelding, tmp_path
):
    for _ in range(4):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    region = aanmelding.token("region_admin")
    taken = (await aanmelding.take_lottery()).json()
    lottery, commitment_sha256 = taken["id"], taken["commitment_sha256"]

    asked = await aanmelding.call("POST", f"/lotteries/{lottery}/ceremony", region, json={})

    assert asked.status_code == 200, asked.text
    assert asked.json()["ceremony_requested_at"] is not None and asked.json()["applied_at"] is None
    [requested] = await aanmelding.events("aanmelding.lottery.ceremony_requested.v1")
    commitment = (await aanmelding.call("GET", taken["market_path"], region)).text
    assert (requested["lottery_id"], requested["market_sha256"]) == (lottery, commitment_sha256)
    assert requested["market"] == json.loads(commitment)
    assert requested["seed_sources"] == [{"kind": "notary", "name": None, "round": None}]

    market_text = json.dumps({**json.loads(commitment), "seed": SEED})
    result_text = await asyncio.to_thread(solve, market_text, tmp_path)
    issued = issued_by_loting(lottery, commitment_sha256, market_text, result_text)
    await aanmelding.event(issued)
    await aanmelding.event(issued)  # delivered again: applied once

    shown = (await aanmelding.call("GET", f"/lotteries/{lottery}", region)).json()
    assert (shown["applied_by"], shown["placed"], shown["unplaced"], shown["ceremony_refusal"]) == (
        "loting",
        3,
        1,
        None,
    )
    assert len(await aanmelding.events("aanmelding.lottery.applied.v1")) == 1
    lyceum = (await aanmelding.call("GET", "/schools/94AB00/registrations", aanmelding.teacher("94AB00"))).json()
    assert sum(row["placement"] is not None and row["placement"]["program"] is not None for row in lyceum) == 3


async def test_only_the_region_asks_for_a_ceremony_with_a_notary_and_only_once(aanmelding, tmp_path):
    for _ in range(4):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    lottery = (await aanmelding.take_lottery()).json()["id"]
    ceremony, region = f"/lotteries/{lottery}/ceremony", aanmelding.token("region_admin")
    beacon_only = {"seed_sources": [{"kind": "beacon", "name": "drand quicknet", "round": 1}]}

    school = await aanmelding.call("POST", ceremony, aanmelding.teacher("94AB00"), json={})
    no_notary = await aanmelding.call("POST", ceremony, region, json=beacon_only)
    first = await aanmelding.call("POST", ceremony, region, json={"label": "VO 2027 ronde 1"})
    again = await aanmelding.call("POST", ceremony, region, json={})

    assert (school.status_code, no_notary.status_code, first.status_code, again.status_code) == (403, 422, 200, 409)
    assert no_notary.json()["detail"][0]["loc"] == ["body", "seed_sources"]
    assert "its run has the same id" in again.json()["detail"]
    assert (school.json()["code"], again.json()["code"]) == ("region_only", "ceremony_already_requested")
    assert [event["label"] for event in await aanmelding.events("aanmelding.lottery.ceremony_requested.v1")] == [
        "VO 2027 ronde 1"
    ]


async def test_a_ceremony_loting_refuses_to_open_is_shown_and_may_be_asked_for_again(aanmelding):
    for _ in range(4):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    lottery, region = (await aanmelding.take_lottery()).json()["id"], aanmelding.token("region_admin")
    await aanmelding.call("POST", f"/lotteries/{lottery}/ceremony", region, json={})

    await aanmelding.event(RunRefused(run_id=UUID(lottery), reason="seed source 2 (beacon): a beacon needs a round"))
    shown = (await aanmelding.call("GET", f"/lotteries/{lottery}", region)).json()
    again = await aanmelding.call("POST", f"/lotteries/{lottery}/ceremony", region, json={})

    assert shown["ceremony_requested_at"] is None and "a beacon needs a round" in shown["ceremony_refusal"]
    assert again.status_code == 200 and again.json()["ceremony_requested_at"] is not None
    assert again.json()["ceremony_refusal"] is None
    assert len(await aanmelding.events("aanmelding.lottery.ceremony_requested.v1")) == 2


async def test_a_result_from_loting_that_does_not_check_out_changes_nothing_and_says_why(aanmelding, tmp_path):
    for _ in range(4):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), LIST)
    region = aanmelding.token("region_admin")
    taken = (await aanmelding.take_lottery()).json()
    lottery, commitment_sha256 = taken["id"], taken["commitment_sha256"]
    commitment = (await aanmelding.call("GET", taken["market_path"], region)).text
    market_text = json.dumps({**json.loads(commitment), "seed": SEED})
    result = json.loads(await asyncio.to_thread(solve, market_text, tmp_path))
    everyone_at_the_lyceum = {
        **result,
        "assignments": [{**a, "program": "94AB00-hv", "rank": 1} for a in result["assignments"]],
    }

    await aanmelding.event(issued_by_loting(lottery, "f" * 64, market_text, json.dumps(result)))  # another market
    untouched = (await aanmelding.call("GET", f"/lotteries/{lottery}", region)).json()
    await aanmelding.event(
        issued_by_loting(lottery, commitment_sha256, market_text, json.dumps(everyone_at_the_lyceum))
    )
    refused = (await aanmelding.call("GET", f"/lotteries/{lottery}", region)).json()

    assert (untouched["applied_at"], untouched["ceremony_refusal"]) == (None, None)
    assert refused["applied_at"] is None and "result" in refused["ceremony_refusal"]
    assert await aanmelding.events("aanmelding.lottery.applied.v1") == []
    lyceum = (await aanmelding.call("GET", "/schools/94AB00/registrations", aanmelding.teacher("94AB00"))).json()
    assert all(row["placement"] is None for row in lyceum)


async def test_seats_added_after_a_lottery_and_a_new_lottery_place_the_pupil_it_left_out(
    aanmelding, procedure_file, tmp_path
):
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(4)]
    for pupil in pupils:
        await aanmelding.register(pupil, LIST)
    region = aanmelding.token("region_admin")
    first, market_text, result_text = await lottery_run(aanmelding, tmp_path)
    await aanmelding.call(
        "POST", f"/lotteries/{first}/result", region, json={"market": market_text, "result": result_text}
    )
    [left_out] = (await aanmelding.call("GET", f"/lotteries/{first}/unplaced", region)).json()

    # the region adds a seat to each program in the procedure file, and aanmelding restarts on it
    procedure_file.write_text(procedure_file.read_text().replace("  seats = 1", "  seats = 2"))
    restarted, app = build(
        AanmeldingSettings(
            LOKET_AANMELDING_DATABASE_URL=aanmelding.runtime.database.url,
            LOKET_AANMELDING_PROCEDURE_FILE=procedure_file,
            identity_url=aanmelding.authority.url,
            token_issuer=aanmelding.authority.issuer,
        )
    )
    restarted.work.clock = aanmelding.clock
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://aanmelding") as client:
            again = Aanmelding(restarted, app, client, aanmelding.authority, aanmelding.clock)
            second, market_text, result_text = await lottery_run(again, tmp_path)
            applied = await again.call(
                "POST", f"/lotteries/{second}/result", region, json={"market": market_text, "result": result_text}
            )
            again.clock.now = app.state.procedure.rounds[0].publication_at
            seen = await again.call(
                "GET", f"/pupils/{left_out['pupil_id']}/registration", again.parent(left_out["pupil_id"])
            )
            still_left_out = (await again.call("GET", f"/lotteries/{second}/unplaced", region)).json()
    finally:
        await restarted.database.dispose()

    assert (applied.json()["placed"], applied.json()["unplaced"]) == (4, 0)
    assert seen.json()["current"]["placement"]["program"] is not None  # the newest applied lottery counts
    assert still_left_out == []


async def test_the_round_s_numbers_its_lotteries_and_a_page_of_the_unplaced(aanmelding, tmp_path):
    region = aanmelding.token("region_admin")
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(4)]
    for pupil in pupils[:3]:
        await aanmelding.register(pupil, LIST)
    await aanmelding.register(pupils[3], ["94AA00-havo", "94AB00-hv", "94AC00-havo"])
    code = aanmelding.app.state.procedure.rounds[0].code

    numbers = (await aanmelding.call("GET", f"/rounds/{code}/numbers", region)).json()

    by_program = {row["program"]: row for row in numbers}
    assert (by_program["94AB00-hv"]["first_choices"], by_program["94AB00-hv"]["seats"]) == (3, 1)
    assert by_program["94AB00-hv"]["by_state"] == {"submitted": 3}
    assert by_program["94AA00-havo"]["first_choices"] == 1
    assert sum(row["first_choices"] for row in numbers) == 4
    refused = await aanmelding.call("GET", f"/rounds/{code}/numbers", aanmelding.teacher("94AB00"))
    assert refused.status_code == 403

    lottery, market_text, result_text = await lottery_run(aanmelding, tmp_path)
    await aanmelding.call(
        "POST", f"/lotteries/{lottery}/result", region, json={"market": market_text, "result": result_text}
    )
    [listed] = (await aanmelding.call("GET", f"/rounds/{code}/lotteries", region)).json()
    assert (listed["id"], listed["placed"], listed["unplaced"]) == (str(lottery), 3, 1)

    page = await aanmelding.call("GET", f"/lotteries/{lottery}/unplaced?limit=1&offset=0", region)
    assert page.headers["X-Total-Count"] == "1" and len(page.json()) == 1
    empty = await aanmelding.call("GET", f"/lotteries/{lottery}/unplaced?limit=1&offset=1", region)
    assert empty.json() == [] and empty.headers["X-Total-Count"] == "1"
