"""Properties of the engine over many small generated markets (spec `loting-market/1`).

The engine must agree byte for byte with the reference oracle (`reference.py`), and its outcomes must
have the properties the mechanisms promise: seats are never over-filled or wasted, deferred acceptance
is stable and strategy-proof, guaranteed seats hold, twins share their lot, and nothing depends on the
order in which the market file lists students or programs.

Hypothesis runs derandomized and without an example database, so every run (and CI) tries exactly the
same markets; a failure prints the market as a Python dict, ready to paste into a test.
"""

import hmac
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.loting.domain.engine import Outcome, draw_seed, load_market, result_bytes, solve

sys.path.insert(0, str(Path(__file__).parent))
import reference

MECHANISMS = ("da-stb", "da-mtb", "first-choice-da-stb")
DEFERRED_ACCEPTANCE = ("da-stb", "da-mtb")
SMALL_PRIORITIES = st.integers(-2, 3)
# around the engine's switch to dense ranks (2**62) and beyond what 64 bits or orjson hold
HUGE_PRIORITIES = st.sampled_from([-(10**30), -(2**63), -(2**62), -1, 0, 1, 2**62 - 1, 2**62, 2**63, 10**30])
GROUPS = ("g1", "g2", "Tw.3")

FAST = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEWER = settings(FAST, max_examples=100)

Market = dict[str, Any]

# ids whose code-point order is not the order one might guess: digits, then upper case, then lower case
ids = st.sampled_from([first + rest for first in "aAbBzZ09" for rest in ("", "0", "B", "a", ".", "_", ":x", "-1")])


@st.composite
def markets(
    draw: st.DrawFn, mechanisms: tuple[str, ...] = MECHANISMS, max_students: int = 9, max_programs: int = 5
) -> Market:
    """A valid market: capacity 0 to 3, lists empty to complete, priorities below and above 0, twins,
    and guaranteed seats (never more at a program than its capacity, never under first-choice)."""
    mechanism = draw(st.sampled_from(mechanisms))
    program_ids = draw(st.lists(ids, max_size=max_programs, unique=True))
    capacity = {p: draw(st.integers(0, 3)) for p in program_ids}
    priority_values = HUGE_PRIORITIES if draw(st.integers(0, 9)) == 0 else SMALL_PRIORITIES
    seats_to_guarantee = dict(capacity)
    students = []
    for student_id in draw(st.lists(ids, max_size=max_students, unique=True)):
        preferences = draw(st.lists(st.sampled_from(program_ids), unique=True)) if program_ids else []
        student: dict[str, Any] = {"id": student_id, "preferences": preferences}
        if program_ids and draw(st.booleans()):
            student["priorities"] = draw(st.dictionaries(st.sampled_from(program_ids), priority_values, max_size=3))
        if draw(st.integers(0, 2)) == 0:
            student["group"] = draw(st.sampled_from(GROUPS))
        if mechanism != "first-choice-da-stb" and preferences and draw(st.integers(0, 3)) == 0:
            guaranteed = draw(st.sampled_from(preferences))
            if seats_to_guarantee[guaranteed] > 0:
                seats_to_guarantee[guaranteed] -= 1
                student["guaranteed"] = guaranteed
        students.append(student)
    return {
        "format": "loting-market/1",
        "mechanism": mechanism,
        "seed": draw(st.binary(min_size=32, max_size=32)).hex(),
        "programs": [{"id": p, "capacity": c} for p, c in capacity.items()],
        "students": students,
    }


def encode(market: Market) -> bytes:
    return json.dumps(market).encode()


def engine(market: Market) -> tuple[Outcome, dict[str, Any]]:
    outcome = solve(load_market(encode(market)))
    return outcome, json.loads(result_bytes(outcome))


def placements(document: dict[str, Any]) -> dict[str, str | None]:
    return {a["student"]: a["program"] for a in document["assignments"]}


def better_than(student: dict[str, Any], program: str | None, preferences: list[str]) -> list[str]:
    """The programs the student listed above the one they got (all of them when they got none)."""
    return preferences if program is None else preferences[: preferences.index(program)]


def held_at(placed: dict[str, str | None], program: str) -> list[str]:
    return [s for s, p in placed.items() if p == program]


@FAST
@given(markets())
def test_the_engine_agrees_with_the_reference_oracle(market: Market) -> None:
    data = encode(market)
    assert result_bytes(solve(load_market(data))) == reference.result_bytes(data)


@FEWER
@given(markets(max_students=40, max_programs=6))
def test_the_engine_agrees_with_the_reference_oracle_on_longer_chains_of_rejections(market: Market) -> None:
    data = encode(market)
    assert result_bytes(solve(load_market(data))) == reference.result_bytes(data)


@FAST
@given(markets())
def test_no_program_takes_more_students_than_its_capacity(market: Market) -> None:
    _, document = engine(market)
    placed = placements(document)

    for program in market["programs"]:
        assert len(held_at(placed, program["id"])) <= program["capacity"]


@FAST
@given(markets())
def test_every_placement_is_on_the_students_list_with_its_rank(market: Market) -> None:
    _, document = engine(market)

    students = {s["id"]: s for s in market["students"]}
    assert [a["student"] for a in document["assignments"]] == sorted(students)
    for a in document["assignments"]:
        if a["program"] is None:
            assert a["rank"] is None
        else:
            assert students[a["student"]]["preferences"][a["rank"] - 1] == a["program"]
            assert a["program"] in reference.effective_preferences(students[a["student"]])


@FAST
@given(markets(mechanisms=DEFERRED_ACCEPTANCE))
def test_deferred_acceptance_leaves_no_blocking_pair(market: Market) -> None:
    """No student s and program p that s prefers to their placement, where p has a free seat or holds
    someone it ranks below s (by the spec's ranking tuple)."""
    _, document = engine(market)
    placed = placements(document)
    capacity = {p["id"]: p["capacity"] for p in market["programs"]}
    multiple = market["mechanism"] == "da-mtb"

    def rank(student: dict[str, Any], program: str) -> reference.RankKey:
        return reference.rank_key(market, student, program, multiple=multiple)

    students = {s["id"]: s for s in market["students"]}
    for s in market["students"]:
        for p in better_than(s, placed[s["id"]], reference.effective_preferences(s)):
            holders = held_at(placed, p)
            assert len(holders) == capacity[p], f"{s['id']} wants {p}, which has a free seat"
            worst = max(rank(students[h], p) for h in holders) if holders else None
            assert worst is None or worst < rank(s, p), f"{s['id']} and {p} block: {p} holds someone ranked lower"


@FAST
@given(markets())
def test_no_seat_is_wasted(market: Market) -> None:
    """A program someone wanted more than what they got is full, under every mechanism."""
    _, document = engine(market)
    placed = placements(document)
    capacity = {p["id"]: p["capacity"] for p in market["programs"]}

    for s in market["students"]:
        for p in better_than(s, placed[s["id"]], reference.effective_preferences(s)):
            assert len(held_at(placed, p)) == capacity[p], f"{s['id']} wants {p}, which has a free seat"


@FAST
@given(markets(), st.randoms(use_true_random=False), st.booleans(), st.sampled_from([None, 1]))
def test_the_outcome_does_not_depend_on_the_order_of_the_file(
    market: Market, random: Any, sort_keys: bool, indent: int | None
) -> None:
    original, _ = engine(market)
    shuffled = dict(market)
    shuffled["programs"] = random.sample(market["programs"], len(market["programs"]))
    shuffled["students"] = random.sample(market["students"], len(market["students"]))
    for student in shuffled["students"]:
        if "priorities" in student:
            items = list(student["priorities"].items())
            student["priorities"] = dict(random.sample(items, len(items)))
    reordered = json.dumps(dict(reversed(shuffled.items())), sort_keys=sort_keys, indent=indent).encode()

    again = load_market(reordered)
    derived = result_bytes(solve(again)).replace(again.sha256.encode(), original.market.sha256.encode())
    assert derived == result_bytes(original)


@FAST
@given(markets(mechanisms=DEFERRED_ACCEPTANCE), st.data())
def test_the_truthful_list_is_never_worse_than_a_misreport(market: Market, data: st.DataObject) -> None:
    """Strategy-proofness of deferred acceptance: one student replaces their list by a permutation of
    part of it, everything else equal; judged by their true list, that never gets them more."""
    listing = [s for s in market["students"] if s["preferences"]]
    if not listing:
        return
    student = data.draw(st.sampled_from(listing))
    truth = student["preferences"]
    misreport = data.draw(st.permutations(truth))[: data.draw(st.integers(0, len(truth)))]
    if "guaranteed" in student and student["guaranteed"] not in misreport:
        misreport.append(student["guaranteed"])  # the spec requires it in the list

    lying = {**market, "students": [{**s, "preferences": misreport} if s is student else s for s in market["students"]]}
    honest_gets = placements(engine(market)[1])[student["id"]]
    lying_gets = placements(engine(lying)[1])[student["id"]]

    def worth(program: str | None) -> int:  # position in the true list; unplaced is worst
        return len(truth) if program is None else truth.index(program)

    assert worth(honest_gets) <= worth(lying_gets), f"{student['id']} gains by listing {misreport}"


@FAST
@given(markets(mechanisms=DEFERRED_ACCEPTANCE))
def test_a_guaranteed_student_keeps_their_seat_or_gets_a_better_one(market: Market) -> None:
    _, document = engine(market)
    ranks = {a["student"]: a["rank"] for a in document["assignments"]}

    for s in market["students"]:
        if "guaranteed" in s:
            assert ranks[s["id"]] is not None
            assert ranks[s["id"]] <= s["preferences"].index(s["guaranteed"]) + 1


@FAST
@given(markets())
def test_tie_break_numbers_are_the_specs_hmac_and_twins_share_them(market: Market) -> None:
    outcome, _ = engine(market)
    m = outcome.market
    multiple = market["mechanism"] == "da-mtb"
    students = {s["id"]: s for s in market["students"]}

    shared: dict[tuple[str, str | None], int] = {}
    for pair, (s, p) in enumerate(zip(m.pair_student.tolist(), m.pair_program.tolist(), strict=True)):
        student, program = students[m.student_ids[s]], m.program_ids[p]
        number = int(outcome.tiebreak[pair])
        assert number == reference.tiebreak(market, student, program, multiple)
        if "group" in student:
            twin = shared.setdefault((student["group"], program if multiple else None), number)
            assert twin == number, f"{student['id']} does not share the lot of group {student['group']}"


@FAST
@given(st.binary(min_size=32, max_size=32), st.integers(0, 10**6))
def test_a_draw_seed_is_the_specs_hmac(seed: bytes, draw: int) -> None:
    assert draw_seed(seed, draw) == hmac.digest(seed, f"draw|{draw}".encode(), "sha256")


# nobody lists any program: once an IndexError in the engine, whose arrays of pairs are then empty
NO_PAIRS = [
    {"format": "loting-market/1", "mechanism": mechanism, "seed": "00" * 32, "programs": programs, "students": students}
    for mechanism in MECHANISMS
    for programs, students in [
        ([{"id": "A", "capacity": 1}], []),
        ([], [{"id": "s", "preferences": []}]),
        ([{"id": "A", "capacity": 1}], [{"id": "s", "preferences": []}]),
    ]
]


@pytest.mark.parametrize(
    "market", NO_PAIRS, ids=[f"{m['mechanism']}-{len(m['programs'])}p-{len(m['students'])}s" for m in NO_PAIRS]
)
def test_a_market_in_which_nobody_lists_a_program_leaves_everyone_unplaced(market: Market) -> None:
    data = encode(market)
    result = result_bytes(solve(load_market(data)))

    assert result == reference.result_bytes(data)
    assert all(a["program"] is None for a in json.loads(result)["assignments"])
