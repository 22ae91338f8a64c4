"""The lottery's outcome explained to the parent: the placement, for every school ranked higher why not
(the pupil's priority and lot number there against the last pupil admitted, never who that was), and the
lot number with how anyone recomputes it from the published seed.

The explanation is checked against real result files: the public test vectors of loting-market/1 (copied
into `data/`, since the service's tests stand alone) and small markets of its own that the public
`loting` command solves, as the ceremony does."""

import hmac
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loket.aanmelding.domain.outcome import Inconsistent, Outcome, Reason, explain

SERVICE = "aanmelding"
DATA = Path(__file__).parent / "data"
LOTING = Path(sys.executable).parent / "loting"
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
