"""The region builds a round's lottery market from the registrations that reached their school of first
choice; it is a loting-market/1 file that the public `loting` command solves and verifies."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

SERVICE = "aanmelding"
TO_LYCEUM = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
SIBLING = {"kind": "sibling", "sibling_name": "Ali de Vries", "sibling_class": "2b"}
LOTING = Path(sys.executable).parent / "loting"


def loting(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LOTING, *map(str, args)], capture_output=True, text=True, check=False)


async def test_the_market_holds_every_submitted_registration_and_the_granted_priorities(aanmelding):
    granted, rejected, plain, unfinished, withdrawn = [await aanmelding.pupil_with_advice("havo") for _ in range(5)]
    ids = {}
    for pupil, claims in [(granted, {"priority": SIBLING}), (rejected, {"priority": SIBLING}), (plain, {})]:
        ids[pupil] = (await aanmelding.register(pupil, TO_LYCEUM, **claims)).json()["id"]
    for pupil, decision in [(granted, True), (rejected, False)]:
        await aanmelding.call(
            "POST",
            f"/registrations/{ids[pupil]}/priority-decision",
            aanmelding.teacher("94AB00"),
            json={"granted": decision},
        )
    await aanmelding.call("POST", f"/pupils/{unfinished}/registration", aanmelding.parent(unfinished))
    await aanmelding.register(withdrawn, TO_LYCEUM)
    await aanmelding.call("POST", f"/pupils/{withdrawn}/registration/withdrawal", aanmelding.parent(withdrawn))

    answer = await aanmelding.call("GET", "/rounds/ronde-1/market", aanmelding.token("region_admin"))

    market = answer.json()
    assert (market["format"], market["mechanism"]) == ("loting-market/1", "first-choice-da-stb")
    students = {student["id"]: student for student in market["students"]}
    assert set(students) == {ids[pupil].replace("-", "") for pupil in (granted, rejected, plain)}
    assert students[ids[granted].replace("-", "")]["priorities"] == {"94AB00-hv": 1}
    assert "priorities" not in students[ids[rejected].replace("-", "")]
    assert all(student["preferences"] == TO_LYCEUM for student in students.values())
    assert {"id": "94AB00-hv", "capacity": 56} in market["programs"]
    assert not any(str(pupil) in answer.text for pupil in ids), "the market names registrations, not pupils"


async def test_anyone_solves_and_verifies_the_market_with_the_public_loting_command(aanmelding, tmp_path):
    for _ in range(3):
        await aanmelding.register(await aanmelding.pupil_with_advice("havo"), TO_LYCEUM)
    market = (await aanmelding.call("GET", "/rounds/ronde-1/market", aanmelding.token("region_admin"))).json()
    market_file, result_file = tmp_path / "market.json", tmp_path / "result.json"
    market_file.write_text(json.dumps({**market, "seed": "ab" * 32}))

    solved = await asyncio.to_thread(loting, "solve", market_file, result_file)
    verified = await asyncio.to_thread(loting, "verify", market_file, result_file)

    assert solved.returncode == 0, solved.stderr
    assert verified.returncode == 0, verified.stderr
    assert result_file.read_text().count('"94AB00-hv"') >= 3


async def test_only_the_region_builds_a_market_and_only_of_a_round_with_registrations(aanmelding):
    await aanmelding.register(await aanmelding.pupil_with_advice("havo"), TO_LYCEUM)
    region = aanmelding.token("region_admin")

    assert (await aanmelding.call("GET", "/rounds/ronde-1/market", aanmelding.teacher("94AB00"))).status_code == 403
    assert (await aanmelding.call("GET", "/rounds/ronde-9/market", region)).status_code == 404
    assert (await aanmelding.call("GET", "/rounds/ronde-1/market", {})).status_code == 401


def twin(of: str, together: bool = True) -> dict[str, object]:
    return {"multiple_birth": {"is_multiple": True, "sibling_elk_number": of, "registering_together": together}}


async def test_twins_who_register_together_at_the_same_school_share_one_lot(aanmelding):
    lisa, luuk = (
        await aanmelding.pupil_with_advice("havo", elk_number="E1001"),
        await aanmelding.pupil_with_advice("havo", elk_number="E1002"),
    )
    mila, mats = (
        await aanmelding.pupil_with_advice("havo", elk_number="E2001"),
        await aanmelding.pupil_with_advice("havo", elk_number="E2002"),
    )
    typo = await aanmelding.pupil_with_advice("havo", elk_number="E3001")
    elsewhere = ["94AA00-havo", "94AB00-hv", "94AC00-havo"]
    mistyped = await aanmelding.register(typo, TO_LYCEUM, **twin("E9999"))
    assert mistyped.status_code == 422, "a number that is nobody's would silently give each twin a lot of their own"
    ids = {}
    for pupil, programs, claims in [
        (lisa, TO_LYCEUM, twin("E1002")),
        (luuk, TO_LYCEUM, twin("E1001")),
        (mila, TO_LYCEUM, twin("E2002")),
        (mats, elsewhere, twin("E2001")),  # another first choice: each draws their own lot
        (typo, TO_LYCEUM, twin("E1001", together=False)),  # a twin who does not register together
    ]:
        answer = await aanmelding.register(pupil, programs, **claims)
        assert answer.status_code == 200, answer.text
        ids[pupil] = answer.json()["id"].replace("-", "")

    market = (await aanmelding.call("GET", "/rounds/ronde-1/market", aanmelding.token("region_admin"))).json()

    groups = {student["id"]: student.get("group") for student in market["students"]}
    assert groups[ids[lisa]] == groups[ids[luuk]] == f"lot-{min(ids[lisa], ids[luuk])}"
    assert [groups[ids[pupil]] for pupil in (mila, mats, typo)] == [None, None, None]
    assert "E1001" not in json.dumps(market), "the market names registrations, not ELK numbers"
