"""The lottery's outcome explained to the parent: the placement, for every school ranked higher why not
(the pupil's priority and lot number there against the last pupil admitted, never who that was), and the
lot number with how anyone recomputes it from the published seed.

The explanation is checked against real result files: the public test vectors of loting-market/1 (copied
into `data/`, since the service's tests stand alone) and small markets of its own that the public
`loting` command solves, as the ceremony does."""

import asyncio
import hmac
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aanmelding_support import Aanmelding

from loket.aanmelding.domain.outcome import Inconsistent, Outcome, Reason, explain

SERVICE = "aanmelding"
DATA = Path(__file__).parent / "data"
LOTING = Path(sys.executable).parent / "loting"
DEMO = Path(__file__).parents[1] / "src/loket/aanmelding/adapters/regions/demo.toml"
VECTORS = [
    "01-da-stb-small",
    "02-capacity-zero",
    "04-twins",
    "05-guaranteed-vovp",
    "06-negative-priority",
    "07-da-mtb",
    "08-first-choice",
    "11-first-choice-medium",
]
LIST = ["94AB00-hv", "94AA00-havo", "94AC00-havo"]  # in the demo region; here every program has one seat
SIBLING = {"kind": "sibling", "sibling_name": "Ali de Vries", "sibling_class": "2b"}
SEED = "5e" * 32


def vector(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        json.loads((DATA / f"{name}.market.json").read_text()),
        json.loads((DATA / f"{name}.result.json").read_text()),
    )


def h(seed: str, message: str) -> int:
    """H(msg) as docs/loting.md defines it, written here again on purpose."""
    return int.from_bytes(hmac.new(bytes.fromhex(seed), message.encode(), "sha256").digest()[:8], "big")


def solved(market: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The result file of a market, by the public `loting` command (as the ceremony's last step)."""
    (folder / "market.json").write_text(json.dumps(market))
    subprocess.run([LOTING, "solve", folder / "market.json", folder / "result.json"], check=True)
    result: dict[str, Any] = json.loads((folder / "result.json").read_text())
    return result


def rank_key(market: dict[str, Any], student: dict[str, Any], program: str, priorities: bool) -> tuple[int, int, int]:
    subject = f"group:{student['group']}" if "group" in student else f"student:{student['id']}"
    message = f"mtb|{program}|{subject}" if market["mechanism"] == "da-mtb" else f"stb|{subject}"
    priority = student.get("priorities", {}).get(program, 0) if priorities else 0
    return (0 if student.get("guaranteed") == program else 1, -priority, h(market["seed"], message))


def every_outcome(market: dict[str, Any], result: dict[str, Any]) -> dict[str, Outcome]:
    return {student["id"]: explain(market, result, student["id"]) for student in market["students"]}


# --- the explanation, from real result files ---


@pytest.mark.parametrize("name", VECTORS)
def test_every_student_of_a_vector_is_explained_consistently(name):
    market, result = vector(name)
    assigned = {entry["student"]: entry for entry in result["assignments"]}
    capacity = {program["id"]: program["capacity"] for program in market["programs"]}

    for student in market["students"]:
        outcome = explain(market, result, student["id"])

        entry = assigned[student["id"]]
        assert (outcome.program, outcome.rank) == (entry["program"], entry["rank"])
        above = student["preferences"] if entry["rank"] is None else student["preferences"][: entry["rank"] - 1]
        if "guaranteed" in student:
            above = above[: student["preferences"].index(student["guaranteed"]) + 1]
        assert [choice.program for choice in outcome.higher] == above
        for choice in outcome.higher:
            priorities = choice.stage != 2
            mine = rank_key(market, student, choice.program, priorities)
            assert (choice.yours.guaranteed, choice.yours.lot_number) == (mine[0] == 0, mine[2])
            assert choice.yours.priority == (-mine[1] if priorities else None)
            if choice.reason == Reason.NO_SEATS:
                assert capacity[choice.program] == 0 and choice.last_admitted is None
                continue
            if choice.reason == Reason.NO_SEATS_LEFT:
                assert choice.stage == 2 and choice.last_admitted is None
                continue
            last = choice.last_admitted
            assert last is not None
            theirs = (0 if last.guaranteed else 1, -(last.priority or 0), last.lot_number)
            assert theirs <= mine, f"{student['id']} at {choice.program}: the last admitted ranks worse"
            decided_by = next((index for index in range(3) if theirs[index] != mine[index]), 3)
            assert (
                choice.reason
                == [
                    Reason.FULL_GUARANTEED,
                    Reason.FULL_PRIORITY,
                    Reason.FULL_LOTTERY,
                    Reason.FULL_SAME_LOT,
                ][decided_by]
            )


@pytest.mark.parametrize("name", ["01-da-stb-small", "04-twins", "08-first-choice"])
def test_the_lot_number_is_recomputed_from_the_seed_and_the_message(name):
    market, result = vector(name)

    for student in market["students"]:
        lot = explain(market, result, student["id"]).lot

        subject = f"group:{student['group']}" if "group" in student else f"student:{student['id']}"
        assert lot.message == f"stb|{subject}"
        assert lot.number == h(market["seed"], lot.message)
        assert lot.group == ("group" in student)
        assert lot.command is not None
        program, *arguments = shlex.split(lot.command)  # as printed: python3 -c "…"
        assert program == "python3"
        printed = subprocess.run([sys.executable, *arguments], check=True, capture_output=True, text=True)
        assert int(printed.stdout) == lot.number


def test_under_da_mtb_every_school_has_its_own_lot_number():
    market, result = vector("07-da-mtb")

    outcomes = every_outcome(market, result)

    choices = [choice for outcome in outcomes.values() for choice in outcome.higher]
    assert choices
    for choice in choices:
        assert choice.lot_message.startswith(f"mtb|{choice.program}|")
        assert choice.yours.lot_number == h(market["seed"], choice.lot_message)
    assert all(outcome.lot.message is None and outcome.lot.number is None for outcome in outcomes.values())


def test_the_explanation_agrees_with_loting_explain():
    """`loting explain` (the engine's own) names the same numbers for every school above the outcome."""
    for name in ["05-guaranteed-vovp", "08-first-choice"]:
        market, result = vector(name)
        for student in market["students"][:8]:
            files = [DATA / f"{name}.market.json", DATA / f"{name}.result.json"]
            text = subprocess.run(
                [LOTING, "explain", *files, student["id"]], check=True, capture_output=True, text=True
            ).stdout
            for choice in explain(market, result, student["id"]).higher:
                if choice.last_admitted is not None and not choice.last_admitted.guaranteed:
                    assert f"lotnummer {choice.last_admitted.lot_number}" in text
                if not choice.yours.guaranteed:
                    assert f"lotnummer {choice.yours.lot_number}" in text


def test_a_school_without_seats_and_one_filled_by_the_school_lottery(tmp_path):
    market = {
        "format": "loting-market/1",
        "mechanism": "first-choice-da-stb",
        "seed": "01" * 32,
        "programs": [{"id": "A", "capacity": 1}, {"id": "B", "capacity": 0}, {"id": "C", "capacity": 2}],
        "students": [
            {"id": "s1", "preferences": ["A", "C"], "priorities": {"A": 1}},
            {"id": "s2", "preferences": ["A", "B", "C"]},
            {"id": "s3", "preferences": ["C"]},
            {"id": "s4", "preferences": ["C"]},
            {"id": "s5", "preferences": ["B", "A", "C"]},
        ],
    }
    result = solved(market, tmp_path)

    s2 = explain(market, result, "s2")

    assert s2.program is None
    first, no_seats, filled = s2.higher
    assert (first.program, first.stage, first.reason) == ("A", 1, Reason.FULL_PRIORITY)
    assert first.last_admitted is not None and (first.last_admitted.priority, first.yours.priority) == (1, 0)
    assert (no_seats.program, no_seats.reason, no_seats.last_admitted) == ("B", Reason.NO_SEATS, None)
    assert (filled.program, filled.stage, filled.reason) == ("C", 2, Reason.NO_SEATS_LEFT)
    s5 = explain(market, result, "s5")
    assert [(choice.program, choice.stage, choice.reason) for choice in s5.higher] == [
        ("B", 1, Reason.NO_SEATS),
        ("A", 2, Reason.NO_SEATS_LEFT),
        ("C", 2, Reason.NO_SEATS_LEFT),
    ]


def test_twins_draw_one_lot_and_the_order_of_their_ids_decides_the_last_seat(tmp_path):
    market = {
        "format": "loting-market/1",
        "mechanism": "da-stb",
        "seed": "02" * 32,
        "programs": [{"id": "A", "capacity": 1}, {"id": "B", "capacity": 2}],
        "students": [
            {"id": "t1", "preferences": ["A", "B"], "group": "g"},
            {"id": "t2", "preferences": ["A", "B"], "group": "g"},
        ],
    }
    result = solved(market, tmp_path)

    t2 = explain(market, result, "t2")

    assert (t2.program, t2.rank) == ("B", 2)
    [a] = t2.higher
    assert a.reason == Reason.FULL_SAME_LOT
    assert a.last_admitted is not None and a.last_admitted.lot_number == a.yours.lot_number == t2.lot.number
    assert t2.lot.message == "stb|group:g" and t2.lot.group
    assert explain(market, result, "t1").higher == ()


def test_a_result_that_does_not_hold_is_refused(tmp_path):
    market, result = vector("01-da-stb-small")
    placed = [entry for entry in result["assignments"] if entry["rank"] and entry["rank"] > 1]
    moved = {**placed[0], "program": None, "rank": None}  # a seat freed where someone ranked higher was refused
    broken = {**result, "assignments": [moved if e is placed[0] else e for e in result["assignments"]]}

    with pytest.raises(Inconsistent):
        every_outcome(market, broken)
    with pytest.raises(Inconsistent):
        explain(market, {**result, "seed": "00" * 32}, market["students"][0]["id"])
    with pytest.raises(KeyError):
        explain(market, result, "nobody")


# --- over HTTP, from the registrations to the publication moment ---


@pytest.fixture
def procedure_file(tmp_path):  # type: ignore[no-untyped-def]
    scarce = tmp_path / "demo.toml"
    lines = DEMO.read_text().splitlines()
    scarce.write_text("\n".join("  seats = 1" if line.strip().startswith("seats =") else line for line in lines))
    return scarce


async def lottery_applied(aanmelding: Aanmelding, folder: Path) -> str:
    """The region takes the market, the ceremony solves it with the notary's seed, the region applies it."""
    region = aanmelding.token("region_admin")
    taken = await aanmelding.take_lottery()
    assert taken.status_code == 201, taken.text
    commitment = json.loads((await aanmelding.call("GET", taken.json()["market_path"], region)).text)
    market = {**commitment, "seed": SEED}
    result = await asyncio.to_thread(solved, market, folder)
    applied = await aanmelding.call(
        "POST",
        f"/lotteries/{taken.json()['id']}/result",
        region,
        json={"market": (folder / "market.json").read_text(), "result": (folder / "result.json").read_text()},
    )
    assert applied.status_code == 200, applied.text
    return str(result["seed"])


async def four_on_one_list(aanmelding: Aanmelding) -> dict[UUID, str]:
    """Four pupils rank the same three one-seat programs; the first has a sibling at the first choice."""
    pupils = [await aanmelding.pupil_with_advice("havo") for _ in range(4)]
    registrations = {}
    for index, pupil in enumerate(pupils):
        answer = await aanmelding.register(pupil, LIST, **({"priority": SIBLING} if index == 0 else {}))
        assert answer.json()["state"] == "submitted", answer.text
        registrations[pupil] = answer.json()["id"]
    granted = await aanmelding.call(
        "POST",
        f"/registrations/{registrations[pupils[0]]}/priority-decision",
        aanmelding.teacher("94AB00"),
        json={"granted": True},
    )
    assert granted.status_code == 200, granted.text
    return registrations


def outcome_path(pupil: UUID) -> str:
    return f"/pupils/{pupil}/registration/outcome"


async def test_the_parent_sees_the_outcome_explained_from_the_publication_moment_on(aanmelding, tmp_path):
    registrations = await four_on_one_list(aanmelding)
    seed = await lottery_applied(aanmelding, tmp_path)
    aanmelding.clock.now = aanmelding.app.state.procedure.rounds[0].publication_at

    answers = {
        pupil: await aanmelding.call("GET", outcome_path(pupil), aanmelding.parent(pupil)) for pupil in registrations
    }

    assert all(answer.status_code == 200 for answer in answers.values()), [a.text for a in answers.values()]
    outcomes = {pupil: answer.json() for pupil, answer in answers.items()}
    assert sorted(str((o["placement"] or {}).get("rank")) for o in outcomes.values()) == ["1", "2", "3", "None"]
    for pupil, outcome in outcomes.items():
        own = registrations[pupil]
        assert (outcome["round"], outcome["published"]) == ("ronde-1", True)
        lot = outcome["lot"]
        assert (lot["mechanism"], lot["seed"], lot["message"]) == (
            "first-choice-da-stb",
            seed,
            f"stb|student:{UUID(own).hex}",
        )
        assert int(lot["number"]) == h(seed, lot["message"]) and not lot["shared_with_twins"]
        placement = outcome["placement"]
        above = LIST if placement is None else LIST[: placement["rank"] - 1]
        assert [choice["program"] for choice in outcome["higher_choices"]] == above
        for choice in outcome["higher_choices"]:
            assert int(choice["last_admitted_lot_number"]) < int(choice["your_lot_number"]) or (
                choice["reason"] == "full_priority"
            )
        others = [UUID(other).hex for other in registrations.values() if other != own]
        assert not any(other in answers[pupil].text for other in others), "never who was admitted"

    granted = outcomes[next(iter(registrations))]
    assert granted["placement"]["program"] == "94AB00-hv" and granted["higher_choices"] == []
    [unplaced] = [outcome for outcome in outcomes.values() if outcome["placement"] is None]
    school_lottery, *central = unplaced["higher_choices"]
    assert {k: school_lottery[k] for k in ("program", "school_name", "rank", "stage", "reason")} == {
        "program": "94AB00-hv",
        "school_name": school_lottery["school_name"],
        "rank": 1,
        "stage": 1,
        "reason": "full_priority",
    }
    assert (school_lottery["your_priority"], school_lottery["last_admitted_priority"]) == (0, 1)
    assert [(choice["stage"], choice["reason"]) for choice in central] == [(2, "full_lottery"), (2, "full_lottery")]
    assert all(choice["your_priority"] is None and choice["last_admitted_priority"] is None for choice in central)


async def test_before_the_publication_moment_a_parent_gets_409_and_the_schools_see_it(aanmelding, tmp_path):
    registrations = await four_on_one_list(aanmelding)
    await lottery_applied(aanmelding, tmp_path)
    pupil = next(iter(registrations))
    publication = aanmelding.app.state.procedure.rounds[0].publication_at

    early = await aanmelding.call("GET", outcome_path(pupil), aanmelding.parent(pupil))
    school = await aanmelding.call("GET", outcome_path(pupil), aanmelding.teacher())
    region = await aanmelding.call("GET", outcome_path(pupil), aanmelding.token("region_admin"))

    assert early.status_code == 409, early.text
    assert early.json()["code"] == "not_published" and "placement" not in early.text
    assert school.status_code == 200 and school.json()["published"] is False, school.text
    assert region.status_code == 200, region.text
    aanmelding.clock.now = publication
    assert (await aanmelding.call("GET", outcome_path(pupil), aanmelding.parent(pupil))).status_code == 200
    of_round = await aanmelding.call("GET", f"{outcome_path(pupil)}?round=ronde-1", aanmelding.parent(pupil))
    of_none = await aanmelding.call("GET", f"{outcome_path(pupil)}?round=ronde-9", aanmelding.parent(pupil))
    assert of_round.status_code == 200 and of_round.json()["round"] == "ronde-1", of_round.text
    assert of_none.status_code == 404 and of_none.json()["code"] == "no_lottery_outcome", of_none.text


async def test_no_applied_lottery_no_outcome_and_other_pupils_are_out_of_reach(aanmelding, tmp_path):
    registrations = await four_on_one_list(aanmelding)
    pupil, other = list(registrations)[:2]
    aanmelding.clock.now = aanmelding.app.state.procedure.rounds[0].publication_at

    none_yet = await aanmelding.call("GET", outcome_path(pupil), aanmelding.parent(pupil))
    not_mine = await aanmelding.call("GET", outcome_path(other), aanmelding.parent(pupil))
    other_school = await aanmelding.call("GET", outcome_path(pupil), aanmelding.teacher("99ZZ00"))

    assert none_yet.status_code == 404 and none_yet.json()["code"] == "no_lottery_outcome", none_yet.text
    assert not_mine.status_code == 404 and not_mine.json()["code"] == "pupil_not_found", not_mine.text
    assert other_school.status_code == 404, other_school.text
    assert (await aanmelding.call("GET", outcome_path(pupil), {})).status_code == 401
