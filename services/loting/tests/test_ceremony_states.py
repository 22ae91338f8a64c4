"""The order of a lottery ceremony, its seed sources and its seed, as plain rules (no database, no bus)."""

import hashlib
import itertools
import json

import pytest

from loket.loting.domain.ceremony import (
    TRANSITIONS,
    InvalidInput,
    OutOfOrder,
    RunState,
    SeedSource,
    Step,
    advance,
    canonical_json,
    check_sources,
    check_unseeded,
    check_values,
    runs_now,
    seed_of,
    seed_record,
)

NOTARY = SeedSource("notary")
DRAND = SeedSource("beacon", "drand quicknet", 12345)
VALUES = {"notary": "7 3 1 9 4 4", "beacon:drand quicknet:12345": "ab" * 32}
COMMITMENT = "c0" * 32


def test_a_run_goes_requested_committed_seeded_completed_and_nowhere_else():
    state = RunState.REQUESTED
    for step, expected in [
        (Step.PUBLISH_COMMITMENT, RunState.COMMITTED),
        (Step.ENTER_SEED, RunState.SEEDED),
        (Step.COMPLETE, RunState.COMPLETED),
    ]:
        state = advance(state, step)
        assert state is expected
    assert not runs_now(state)


def test_a_failed_run_is_seeded_again_by_a_retry_and_can_then_complete():
    state = advance(RunState.SEEDED, Step.FAIL)
    assert state is RunState.FAILED and not runs_now(state)
    state = advance(state, Step.RETRY)
    assert state is RunState.SEEDED and runs_now(state)
    assert advance(state, Step.COMPLETE) is RunState.COMPLETED


@pytest.mark.parametrize(
    ("state", "step"),
    [(state, step) for state, step in itertools.product(RunState, Step) if TRANSITIONS[step][0] is not state],
)
def test_every_other_step_is_refused_and_the_refusal_says_why(state, step):
    with pytest.raises(OutOfOrder) as refused:
        advance(state, step)
    assert str(refused.value).startswith(f"cannot {step} while the run is {state}: ")


def test_no_seed_before_the_commitment_was_seen_published():
    with pytest.raises(OutOfOrder, match="has not been seen published on the bus yet"):
        advance(RunState.REQUESTED, Step.ENTER_SEED)


@pytest.mark.parametrize("state", [RunState.SEEDED, RunState.COMPLETED, RunState.FAILED])
def test_a_run_gets_exactly_one_seed(state):
    with pytest.raises(OutOfOrder, match="already has its seed"):
        advance(state, Step.ENTER_SEED)


def test_a_completed_run_never_runs_again():
    assert [state for state in RunState if runs_now(state)] == [RunState.SEEDED]
    with pytest.raises(OutOfOrder, match="a completed run is never run again"):
        advance(RunState.COMPLETED, Step.RETRY)


def test_the_seed_sources_are_one_notary_and_any_distinct_beacons():
    check_sources([NOTARY])
    check_sources([DRAND, NOTARY, SeedSource("beacon", "drand quicknet", 12346)])
    assert [NOTARY.key, DRAND.key] == ["notary", "beacon:drand quicknet:12345"]


@pytest.mark.parametrize(
    ("sources", "problem"),
    [
        ([], "declare between 1 and 10"),
        ([DRAND], "exactly one notary source is required, found 0"),
        ([NOTARY, NOTARY], "exactly one notary source is required, found 2"),
        ([SeedSource("notary", "mr. Jansen")], "the notary source has no name or round"),
        ([NOTARY, SeedSource("beacon", "drand quicknet")], "a beacon needs a name and a round"),
        ([NOTARY, SeedSource("beacon", " drand", 1)], "printable characters without outer spaces"),
        ([NOTARY, SeedSource("beacon", "drand", -1)], "the round cannot be negative"),
        ([NOTARY, SeedSource("dice")], "the kind must be notary or beacon"),
        ([NOTARY, DRAND, DRAND], "seed source 3 (beacon): beacon:drand quicknet:12345 is declared twice"),
    ],
)
def test_seed_sources_that_cannot_make_a_seed_are_refused(sources, problem):
    with pytest.raises(InvalidInput) as refused:
        check_sources(sources)
    assert problem in str(refused.value)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"notary": "7"}, "missing beacon:drand quicknet:12345"),
        ({**VALUES, "beacon:nist:1": "ab" * 32}, "not declared beacon:nist:1"),
        ({**VALUES, "notary": " 7 3 1"}, "seed value notary: 1 to 1000 printable characters"),
        ({**VALUES, "notary": ""}, "seed value notary"),
        ({**VALUES, "beacon:drand quicknet:12345": "AB" * 32}, "lowercase hex"),
        ({**VALUES, "beacon:drand quicknet:12345": "abc"}, "lowercase hex"),
    ],
)
def test_seed_values_are_given_for_exactly_the_declared_sources(values, problem):
    with pytest.raises(InvalidInput) as refused:
        check_values([NOTARY, DRAND], values)
    assert problem in str(refused.value)


def test_a_third_party_recomputes_the_seed_from_the_documented_recipe():
    record = seed_record(COMMITMENT, [NOTARY, DRAND], VALUES)
    seed = seed_of(canonical_json(record))

    # The recipe of domain/ceremony.py, written out by someone who never saw Loket's code:
    by_hand = {
        "format": "loting-seed/1",
        "commitment_sha256": COMMITMENT,
        "sources": [
            {"kind": "notary", "value": "7 3 1 9 4 4"},
            {"kind": "beacon", "name": "drand quicknet", "round": 12345, "value": "ab" * 32},
        ],
    }
    text = json.dumps(by_hand, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert seed == hashlib.sha256(text.encode()).hexdigest()
    assert seed == "98d8b65f624e757dfd97bf448da30a6f724eb4934699698956445d47e86bbeb2"  # fixed: never changes


def test_the_seed_depends_on_the_commitment_every_value_and_the_declared_order():
    seed = seed_of(canonical_json(seed_record(COMMITMENT, [NOTARY, DRAND], VALUES)))
    others = {
        seed_of(canonical_json(seed_record("c1" * 32, [NOTARY, DRAND], VALUES))),
        seed_of(canonical_json(seed_record(COMMITMENT, [DRAND, NOTARY], VALUES))),
        seed_of(canonical_json(seed_record(COMMITMENT, [NOTARY, DRAND], {**VALUES, "notary": "7 3 1 9 4 5"}))),
    }
    assert seed not in others and len(others) == 3


def test_a_requested_market_has_no_seed_yet():
    check_unseeded({"format": "loting-market/1"})
    with pytest.raises(InvalidInput, match="a requested market has no seed"):
        check_unseeded({"format": "loting-market/1", "seed": "00" * 32})
