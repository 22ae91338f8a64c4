"""The procedure's moments are announced once each: at a reminder moment the parents who are not done get
a reminder (never those whose registration is in), and at the publication moment every registration of
the round's applied lottery is announced, so that its parents hear the outcome can be seen."""

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from loket.aanmelding.domain.procedure import TIME_ZONE

SERVICE = "aanmelding"
LIST = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]
REMINDER = datetime(2027, 6, 23, 10, 0, tzinfo=TIME_ZONE)  # the demo region's reminder moment
LOTING = Path(sys.executable).parent / "loting"
DEMO = Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/demo.toml"


async def test_at_the_reminder_moment_the_parents_who_are_not_done_get_one_reminder(aanmelding):
    not_started, in_progress, done = [await aanmelding.pupil_with_advice("havo") for _ in range(3)]
    await aanmelding.call("POST", f"/pupils/{in_progress}/registration", aanmelding.parent(in_progress))
    await aanmelding.register(done, LIST)
    announcer = aanmelding.app.state.announcer

    before = await announcer.announce_due()
    aanmelding.clock.now = REMINDER + timedelta(minutes=3)
    said = await announcer.announce_due()
    again = await announcer.announce_due()

    assert before == [] and again == []
    assert said == ["reminder of 1e ronde (23-06-2027 10:00): 2 events"]
    reminders = {
        event["pupil_id"]: event["progress"] for event in await aanmelding.events("aanmelding.reminder.due.v1")
    }
    assert reminders == {str(not_started): "not_started", str(in_progress): "in_progress"}


async def test_the_outcome_is_announced_at_the_publication_moment_once(aanmelding, tmp_path):
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(2)]
    for pupil in pupils:
        await aanmelding.register(pupil, LIST)
    region = aanmelding.token("region_admin")
    lottery = (await aanmelding.take_lottery()).json()
    commitment = (await aanmelding.call("GET", lottery["market_path"], region)).text
    market = json.dumps({**json.loads(commitment), "seed": "7a" * 32})
    (tmp_path / "m.json").write_text(market)
    await asyncio.to_thread(subprocess.run, [LOTING, "solve", tmp_path / "m.json", tmp_path / "r.json"], check=True)
    files = {"market": market, "result": (tmp_path / "r.json").read_text()}
    await aanmelding.call("POST", f"/lotteries/{lottery['id']}/result", region, json=files)
    announcer = aanmelding.app.state.announcer

    early = await announcer.announce_due()
    aanmelding.clock.now = aanmelding.app.state.procedure.rounds[0].publication_at
    said = await announcer.announce_due()
    again = await announcer.announce_due()

    assert early == [] and again == [] and said == ["publication of 1e ronde (02-07-2027 15:30): 2 events"]
    published = await aanmelding.events("aanmelding.placement.published.v1")
    assert sorted(event["pupil_id"] for event in published) == sorted(str(pupil) for pupil in pupils)
    assert all(event["placed"] and event["school_brin"] == "94AB00" for event in published)


async def test_the_operator_runs_the_announcer_from_the_command_line(tmp_path):
    later = tmp_path / "demo.toml"  # the demo region, its moments all still to come
    later.write_text(DEMO.read_text().replace("2027-", "2099-").replace("2026-", "2098-"))
    env = {**os.environ, "LOKET_VAR_DIR": str(tmp_path), "LOKET_AANMELDING_PROCEDURE_FILE": str(later)}
    command = [sys.executable, "-m", "loket.aanmelding"]
    await asyncio.to_thread(subprocess.run, [*command, "migrate"], env=env, check=True, capture_output=True)

    ran = await asyncio.to_thread(
        subprocess.run, [*command, "announce"], env=env, capture_output=True, text=True, check=False
    )

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "nothing due"
