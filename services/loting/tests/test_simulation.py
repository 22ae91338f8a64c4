"""Probability estimates (`engine/simulation.py`, `loting simulate`): exact tallies, any split, STATS."""

import functools
import hmac
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.loting.__main__ import loting as main
from loket.loting.adapters.simulation.local import simulate
from loket.loting.domain.engine import Market, Outcome, load_market, solve
from loket.loting.domain.engine.simulation import (
    FORMAT,
    Tally,
    chunks,
    lot,
    merge,
    read_tally,
    run_draws,
    statistics,
    stats_bytes,
    tally_bytes,
)

VECTORS = Path(__file__).parent / "vectors"
MARKETS = sorted(VECTORS.glob("*.market.json"))
MEDIUM = [m for m in MARKETS if "medium" in m.name]  # one per mechanism, with priorities and twins
SEED = "5e" * 32


def market_bytes(
    programs: list[dict[str, object]], students: list[dict[str, object]], mechanism: str = "da-stb"
) -> bytes:
    document = {"format": "loting-market/1", "mechanism": mechanism, "seed": SEED, "programs": programs}
    return json.dumps({**document, "students": students}).encode()


def by_hand(market_file: Path, draw: int) -> Tally:
    """Draw `draw` as the spec says, without `draw_seed`: solve under HMAC(seed, "draw|i")."""
    market = load_market(market_file.read_bytes())
    outcome = by_hand_outcome(market, draw)
    program, rank = outcome.program, outcome.rank
    width = int(market.pair_rank.max()) + 1
    outcomes = np.zeros((len(market.student_ids), width), dtype=np.int64)
    outcomes[np.arange(len(market.student_ids)), rank] = 1
    fill = np.bincount(program[program >= 0], minlength=len(market.program_ids))
    cut = outcome.cutoff_pair
    if outcome.first_choice_cutoff_pair is not None:
        cut = np.where(cut >= 0, cut, outcome.first_choice_cutoff_pair)
    lots = np.array([outcome.tiebreak[p] if p >= 0 else 0 for p in cut.tolist()], dtype=np.uint64)
    return Tally(market.sha256, ((draw, draw + 1),), outcomes, fill[None, :], cut[None, :], lots[None, :])


@pytest.mark.parametrize("market_file", MARKETS, ids=lambda p: p.name.removesuffix(".market.json"))
@pytest.mark.parametrize("draw", [0, 1, 17])
def test_draw_i_is_the_market_solved_under_the_seed_of_draw_i(market_file: Path, draw: int) -> None:
    market = load_market(market_file.read_bytes())

    assert run_draws(market, draw, draw + 1).same_as(by_hand(market_file, draw))


@pytest.mark.parametrize("market_file", MEDIUM, ids=lambda p: p.name.removesuffix(".market.json"))
def test_every_student_has_probabilities_summing_to_one(market_file: Path) -> None:
    market = load_market(market_file.read_bytes())
    stats = statistics(market, run_draws(market, 0, 30))

    assert stats["draws"] == 30 and stats["format"] == FORMAT and stats["market_sha256"] == market.sha256
    assert len(stats["students"]) == len(market.student_ids)
    for student in stats["students"]:
        assert sum(student["ranks"]) + student["unassigned"] == pytest.approx(1.0)
    for program in stats["programs"]:
        assert sum(level["share"] for level in program["cutoff"]["levels"]) + program["cutoff"]["none"] == (
            pytest.approx(1.0)
        )
        assert program["fill"]["min"] <= program["fill"]["mean"] <= program["fill"]["max"] <= program["capacity"]


@pytest.mark.parametrize("market_file", MEDIUM, ids=lambda p: p.name.removesuffix(".market.json"))
def test_draws_split_any_way_merge_to_the_same_tally(market_file: Path) -> None:
    market = load_market(market_file.read_bytes())
    whole = run_draws(market, 0, 24)
    expected = stats_bytes(statistics(market, whole))
    rng = random.Random(market_file.name)
    for cuts in ([12], [1, 2, 3, 23], sorted(rng.sample(range(1, 24), 6)), list(range(1, 24))):
        parts = [run_draws(market, first, last) for first, last in zip([0, *cuts], [*cuts, 24], strict=True)]
        rng.shuffle(parts)
        merged = merge(parts)

        assert merged.same_as(whole)
        assert stats_bytes(statistics(market, merged)) == expected


@functools.cache
def first_choice_draws() -> tuple[list[Tally], Tally]:
    """Draws 0..9 of a first-choice market one by one, and all ten at once."""
    market = load_market((VECTORS / "08-first-choice.market.json").read_bytes())
    return [run_draws(market, i, i + 1) for i in range(10)], run_draws(market, 0, 10)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.permutations(range(10)), st.lists(st.integers(1, 9), unique=True))
def test_merging_is_exact_in_any_order_and_grouping(order: list[int], cuts: list[int]) -> None:
    singles, whole = first_choice_draws()
    groups = [order[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), 10], strict=True)]

    assert merge(merge([singles[i] for i in group]) for group in groups).same_as(whole)


def test_a_draw_counted_twice_or_another_markets_tally_is_refused() -> None:
    market = load_market((VECTORS / "01-da-stb-small.market.json").read_bytes())
    other = load_market((VECTORS / "04-twins.market.json").read_bytes())

    with pytest.raises(ValueError, match="counted twice"):
        merge([run_draws(market, 0, 5), run_draws(market, 4, 6)])
    with pytest.raises(ValueError, match="different markets"):
        merge([run_draws(market, 0, 5), run_draws(other, 5, 6)])
    with pytest.raises(ValueError, match="draws 0:N"):
        statistics(market, run_draws(market, 1, 5))


@pytest.mark.parametrize("mechanism", ["da-stb", "da-mtb", "first-choice-da-stb"])
@pytest.mark.parametrize("extra", [0, 3])
def test_one_program_with_a_seat_for_everyone_places_everyone_always(mechanism: str, extra: int) -> None:
    students = [{"id": f"s{i}", "preferences": ["A"]} for i in range(7)]
    market = load_market(market_bytes([{"id": "A", "capacity": 7 + extra}], students, mechanism))
    stats = statistics(market, run_draws(market, 0, 20))

    assert [s["ranks"] for s in stats["students"]] == [[1.0]] * 7
    assert {s["unassigned"] for s in stats["students"]} == {0.0}
    (program,) = stats["programs"]
    assert program["fill"] == {"mean": 7.0, "min": 7, "max": 7, "p_full": 1.0 if extra == 0 else 0.0}
    assert program["cutoff"]["none"] == (0.0 if extra == 0 else 1.0)


def nearest_rank(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {f"p{q}": ordered[max(0, math.ceil(q * len(ordered) / 100) - 1)] for q in (5, 25, 50, 75, 95)}


def test_the_cutoff_is_the_level_and_lot_of_the_last_student_kept() -> None:
    # A: one seat, which the only student with priority takes in every draw; B: two seats for five
    students = [{"id": "sib", "preferences": ["A"], "priorities": {"A": 1}}] + [
        {"id": f"s{i}", "preferences": ["A", "B"]} for i in range(5)
    ]
    market = load_market(market_bytes([{"id": "A", "capacity": 1}, {"id": "B", "capacity": 2}], students))
    draws = 40
    stats = statistics(market, run_draws(market, 0, draws))
    a, b = stats["programs"]

    sibling, second_of_five = [], []
    for i in range(draws):
        lots = [lot(int(t)) for t in by_hand_outcome(market, i).tiebreak[market.offsets[:-1]]]
        sibling.append(lots[0])
        second_of_five.append(sorted(lots[1:])[1])
    assert a["cutoff"] == {
        "none": 0.0,
        "levels": [
            {"stage": 1, "guaranteed": False, "priority": 1, "share": 1.0, "lot": nearest_rank(sibling)},
        ],
    }
    assert b["cutoff"] == {
        "none": 0.0,
        "levels": [
            {"stage": 1, "guaranteed": False, "priority": 0, "share": 1.0, "lot": nearest_rank(second_of_five)},
        ],
    }
    assert b["fill"] == {"mean": 2.0, "min": 2, "max": 2, "p_full": 1.0}
    others = [s for s in stats["students"] if s["student"] != "sib"]
    assert [s["ranks"][0] for s in others] == [0.0] * 5
    assert sum(s["ranks"][1] for s in others) == pytest.approx(2.0)
    assert stats["students"][-1] == {"student": "sib", "ranks": [1.0], "unassigned": 0.0}


def by_hand_outcome(market: Market, draw: int) -> Outcome:
    return solve(market.with_seed(hmac.digest(market.seed, f"draw|{draw}".encode(), "sha256")))


def test_a_guaranteed_seat_and_the_stages_of_first_choice_are_levels_of_their_own() -> None:
    guaranteed = load_market((VECTORS / "05-guaranteed-vovp.market.json").read_bytes())
    first_choice = load_market((VECTORS / "11-first-choice-medium.market.json").read_bytes())

    levels = [
        level
        for program in statistics(guaranteed, run_draws(guaranteed, 0, 10))["programs"]
        for level in program["cutoff"]["levels"]
    ]
    assert any(level["guaranteed"] and level["priority"] is None for level in levels)
    stages = {
        (level["stage"], level["priority"])
        for program in statistics(first_choice, run_draws(first_choice, 0, 10))["programs"]
        for level in program["cutoff"]["levels"]
    }
    assert {stage for stage, _ in stages} == {1, 2}
    assert all(priority == 0 for stage, priority in stages if stage == 2)  # the central lottery has none


def test_a_tally_survives_bytes_and_garbage_is_refused() -> None:
    market = load_market((VECTORS / "07-da-mtb.market.json").read_bytes())
    tally = merge([run_draws(market, 0, 3), run_draws(market, 5, 8)])

    again = read_tally(tally_bytes(tally))
    assert again.same_as(tally) and again.ranges == ((0, 3), (5, 8))
    with pytest.raises(ValueError, match="not a tally"):
        read_tally(b"PK\x03\x04 not really")


def test_lots_are_below_one() -> None:
    assert lot(2**64 - 1) < 1.0
    assert lot(0) == 0.0
    assert lot(2**63) == 0.5


def test_chunks_cover_the_draws_once() -> None:
    assert chunks(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert chunks(0, 3, 100) == [(0, 3)]


def test_local_processes_give_the_same_tally_as_one(tmp_path: Path) -> None:
    data = (VECTORS / "10-da-mtb-medium.market.json").read_bytes()
    market = load_market(data)
    done: list[int] = []

    tally = simulate(data, market, 37, 2, done.append)

    assert tally.same_as(run_draws(market, 0, 37))
    assert sum(done) == 37 and len(done) > 1


def test_the_command_writes_stats_and_two_processes_write_the_same_bytes(tmp_path: Path) -> None:
    market_file = VECTORS / "09-da-stb-medium.market.json"
    one, two = tmp_path / "one.json", tmp_path / "two.json"

    assert main(["simulate", str(market_file), "--draws", "25", "--out", str(one), "--workers", "1"]) == 0
    assert main(["simulate", str(market_file), "--draws", "25", "--out", str(two), "--workers", "2"]) == 0

    assert one.read_bytes() == two.read_bytes()
    market = load_market(market_file.read_bytes())
    assert one.read_bytes() == stats_bytes(statistics(market, run_draws(market, 0, 25)))
    stats = json.loads(one.read_bytes())
    assert stats["format"] == "loting-simulation/1" and stats["draws"] == 25
    assert one.read_bytes().endswith(b"}\n") and b": " not in one.read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--draws", "0"], "--draws must be 1 or more, not 0"),
        (["--draws", "-3"], "--draws must be 1 or more, not -3"),
        (["--draws", "5", "--workers", "0"], "--workers must be 1 or more"),
    ],
)
def test_a_bad_number_is_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    out = tmp_path / "stats.json"

    code = main(["simulate", str(VECTORS / "01-da-stb-small.market.json"), "--out", str(out), *argv])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"loting: {message}") and len(err.splitlines()) == 1
    assert not out.exists()


def test_an_invalid_market_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "stats.json"
    bad = VECTORS / "invalid" / "unknown-program.market.json"

    assert main(["simulate", str(bad), "--draws", "3", "--out", str(out)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("loting: invalid market") and "does not exist" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_market_in_which_nobody_lists_a_program_leaves_everyone_unassigned() -> None:
    market = load_market(
        market_bytes([{"id": "A", "capacity": 1}, {"id": "Z", "capacity": 0}], [{"id": "s", "preferences": []}])
    )
    stats = statistics(market, run_draws(market, 0, 3))

    assert stats["students"] == [{"student": "s", "ranks": [], "unassigned": 1.0}]
    a, z = stats["programs"]
    assert a["fill"] == {"mean": 0.0, "min": 0, "max": 0, "p_full": 0.0}
    assert z["fill"]["p_full"] == 1.0  # no seats: always full, but no cut-off
    assert a["cutoff"] == z["cutoff"] == {"none": 1.0, "levels": []}
