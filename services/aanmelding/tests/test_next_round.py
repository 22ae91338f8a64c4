"""A next round (Amsterdam has three): a pupil whose registration of the 1e ronde is over — the lottery left
the pupil out, a school ended it, or it was never submitted — registers again in the 2e ronde, and the
1e ronde's registration stays in the history with its outcome. A placed pupil does not register again.

Here every program has one seat, so five pupils who rank the same four vmbo programs leave one unplaced."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aanmelding_support import Aanmelding, lottery_run

SERVICE = "aanmelding"
AMSTERDAM = Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/amsterdam.toml"
VMBO_LIST = ["92AA00-bk", "92AF00-bk", "92AG00-bk", "92AK00-bk"]
SECOND_ROUND_REMINDER = datetime(2027, 4, 13, 10, 0)  # in the 2e ronde's window, Amsterdam's time


@pytest.fixture
def region() -> str:
    return "amsterdam"


@pytest.fixture
def procedure_file(tmp_path):  # type: ignore[no-untyped-def]
    scarce = tmp_path / "amsterdam.toml"
    lines = [
        "  seats = 1" if line.strip().startswith("seats =") else line for line in AMSTERDAM.read_text().splitlines()
    ]
    second = lines.index('code = "ronde-2"')
    lines.insert(second + 1, f"reminders = [{SECOND_ROUND_REMINDER:%Y-%m-%dT%H:%M:%S}]")
    scarce.write_text("\n".join(lines))
    return scarce


def path(pupil, step: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/pupils/{pupil}/registration{step}"


async def the_first_rounds_lottery_leaves_one_out(aanmelding: Aanmelding, tmp_path: Path) -> str:
    """The 1e ronde's lottery, applied: of the five who ranked the same four one-seat programs, four are
    placed; the one left out."""
    region = aanmelding.token("region_admin")
    lottery, market_text, result_text = await lottery_run(aanmelding, tmp_path)
    applied = await aanmelding.call(
        "POST", f"/lotteries/{lottery}/result", region, json={"market": market_text, "result": result_text}
    )
    assert (applied.json()["placed"], applied.json()["unplaced"]) == (4, 1), applied.text
    [left_out] = [
        row["pupil_id"] for row in (await aanmelding.call("GET", f"/lotteries/{lottery}/unplaced", region)).json()
    ]
    return str(left_out)


async def test_a_pupil_the_first_round_left_out_registers_in_the_second_and_a_placed_one_does_not(
    aanmelding: Aanmelding, tmp_path: Path
) -> None:
    pupils = [await aanmelding.pupil_with_advice("vmbo_k") for _ in range(5)]
    for pupil in pupils:
        assert (await aanmelding.register(pupil, VMBO_LIST)).json()["state"] == "submitted"
    ended = await aanmelding.pupil_with_advice("vmbo_k")
    voided = (await aanmelding.register(ended, VMBO_LIST)).json()["id"]
    refusal = {"reason": "zorgbehoefte past niet"}
    school = aanmelding.token("school_user", schools=["92AA00"])
    assert (await aanmelding.call("POST", f"/registrations/{voided}/support-refusal", school, json=refusal)).is_success
    never_submitted = await aanmelding.pupil_with_advice("vmbo_k")
    await aanmelding.call("POST", path(never_submitted), aanmelding.parent(never_submitted))

    left_out = await the_first_rounds_lottery_leaves_one_out(aanmelding, tmp_path)
    placed = next(str(pupil) for pupil in pupils if str(pupil) != left_out)

    second = aanmelding.app.state.procedure.round("ronde-2")
    aanmelding.clock.now = second.registration.opens + timedelta(hours=1)
    me = aanmelding.parent(left_out)
    before = (await aanmelding.call("GET", path(left_out), me)).json()
    started = await aanmelding.call("POST", path(left_out), me)
    submitted = await aanmelding.register(left_out, VMBO_LIST)
    after = (await aanmelding.call("GET", path(left_out), me)).json()

    assert before["current"] is None and (before["open_round"], before["can_start"]) == ("ronde-2", True)
    [first] = before["history"]
    assert (first["round"], first["state"], first["outcome"]) == ("ronde-1", "submitted", "not_placed")
    assert first["placement"]["program"] is None and first["placement"]["full_list_unplaced"] is True
    assert started.status_code == 201, started.text
    assert (started.json()["round"], started.json()["state"], started.json()["preferences"]) == (
        "ronde-2",
        "in_progress",
        [],
    )
    assert submitted.json()["state"] == "submitted" and submitted.json()["round"] == "ronde-2"
    assert (after["current"]["id"], after["current"]["outcome"], after["can_start"]) == (
        submitted.json()["id"],
        None,
        False,
    )
    assert [(r["round"], r["outcome"]) for r in after["history"]] == [("ronde-1", "not_placed")]
    dots = (await aanmelding.call("GET", "/schools/12AB01/pupils", aanmelding.teacher())).json()
    [row] = [row for row in dots if row["pupil_id"] == left_out]
    assert {code: dot["dot"] for code, dot in row["rounds"].items()} == {"ronde-1": "AV", "ronde-2": "AV"}

    refused = await aanmelding.call("POST", path(placed), aanmelding.parent(placed))
    seen = (await aanmelding.call("GET", path(placed), aanmelding.parent(placed))).json()
    assert refused.status_code == 409 and refused.json()["code"] == "already_placed", refused.text
    assert refused.json()["ctx"] == {"round": "ronde-1", "round_name": "1e ronde"}
    assert (seen["current"]["round"], seen["current"]["outcome"], seen["can_start"]) == ("ronde-1", "placed", False)
    assert seen["current"]["placement"]["program"] in VMBO_LIST and seen["history"] == []

    for pupil, outcome in [(ended, "ended_by_school"), (never_submitted, "not_submitted")]:
        view = (await aanmelding.call("GET", path(pupil), aanmelding.parent(pupil))).json()
        again = await aanmelding.call("POST", path(pupil), aanmelding.parent(pupil))
        assert (view["current"], view["can_start"]) == (None, True)
        assert [(r["round"], r["outcome"]) for r in view["history"]] == [("ronde-1", outcome)]
        assert again.status_code == 201 and again.json()["round"] == "ronde-2", again.text


async def test_before_the_first_round_has_a_result_no_second_round_registration_begins(
    aanmelding: Aanmelding,
) -> None:
    pupil = await aanmelding.pupil_with_advice("vmbo_k")
    await aanmelding.register(pupil, VMBO_LIST)

    aanmelding.clock.now = aanmelding.app.state.procedure.round("ronde-2").registration.opens + timedelta(hours=1)
    view = (await aanmelding.call("GET", path(pupil), aanmelding.parent(pupil))).json()
    refused = await aanmelding.call("POST", path(pupil), aanmelding.parent(pupil))

    assert (view["current"]["round"], view["current"]["outcome"], view["can_start"]) == ("ronde-1", None, False)
    assert refused.status_code == 409 and refused.json()["code"] == "result_pending"
    assert refused.json()["ctx"]["publication_at"] == "2027-04-09T15:30:00+02:00"


async def test_the_second_rounds_reminder_goes_to_the_pupil_left_out_and_not_to_the_placed(
    aanmelding: Aanmelding, tmp_path: Path
) -> None:
    pupils = [await aanmelding.pupil_with_advice("vmbo_k") for _ in range(5)]
    for pupil in pupils:
        await aanmelding.register(pupil, VMBO_LIST)
    newcomer = await aanmelding.pupil_with_advice("vmbo_k")  # did not register in the 1e ronde
    left_out = await the_first_rounds_lottery_leaves_one_out(aanmelding, tmp_path)

    second = aanmelding.app.state.procedure.round("ronde-2")
    [moment] = second.reminders
    aanmelding.clock.now = moment + timedelta(minutes=3)
    said = await aanmelding.app.state.announcer.announce_due()

    assert "reminder of 2e ronde (13-04-2027 10:00): 2 events" in said  # beside the 1e ronde's publication
    reminded = [event for event in await aanmelding.events("aanmelding.reminder.due.v1") if event["round"] == "ronde-2"]
    assert sorted(event["pupil_id"] for event in reminded) == sorted([left_out, str(newcomer)])
