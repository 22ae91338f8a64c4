"""The three mechanisms of the spec, over a checked `Market`."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loket.loting.engine.deferred_acceptance import Ranking, deferred_acceptance
from loket.loting.engine.market import Market
from loket.loting.engine.tiebreak import Keyed

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Outcome:
    """Per student the pair they were placed on (-1: none); with the numbers that decided it."""

    market: Market
    pair: IntArray
    tiebreak: npt.NDArray[np.uint64]  # per pair: the number used at that pair's program
    cutoff_pair: IntArray  # per program: the last pair it kept when full (-1: seats left, or none at all)
    first_choice_cutoff_pair: IntArray | None = None  # first-choice-da-stb: the same for stage 1

    @property
    def program(self) -> IntArray:
        return np.where(self.pair >= 0, self.market.pair_program[np.maximum(self.pair, 0)], -1)

    @property
    def rank(self) -> IntArray:
        return np.where(self.pair >= 0, self.market.pair_rank[np.maximum(self.pair, 0)], 0)


def tiebreak_numbers(market: Market) -> npt.NDArray[np.uint64]:
    """The tie-break number of every pair: STB per subject, MTB per (program, subject)."""
    keyed = Keyed(market.seed)
    subjects = market.subjects
    if market.mechanism == "da-mtb":
        programs = market.program_ids
        return keyed.numbers(
            f"mtb|{programs[p]}|{subjects[s]}"
            for s, p in zip(market.pair_student.tolist(), market.pair_program.tolist(), strict=True)
        )
    distinct = sorted(set(subjects)) if len(set(market.groups)) > 1 else subjects
    if distinct is subjects:
        per_student = keyed.numbers(f"stb|{s}" for s in subjects)
    else:
        numbers = dict(zip(distinct, keyed.numbers(f"stb|{s}" for s in distinct).tolist(), strict=True))
        per_student = np.array([numbers[s] for s in subjects], dtype=np.uint64)
    return per_student[market.pair_student]


def solve(market: Market) -> Outcome:
    tiebreak = tiebreak_numbers(market)
    id_order = _id_order(market)[market.pair_student]
    if market.mechanism == "first-choice-da-stb":
        return _first_choice(market, tiebreak, id_order)
    ranking = Ranking.build(
        market.pair_program,
        len(market.program_ids),
        ~market.pair_guaranteed,
        -market.pair_priority,
        tiebreak,
        id_order,
    )
    pair, cutoff = deferred_acceptance(
        market.offsets, market.pair_student, market.pair_program, ranking, market.capacity
    )
    return Outcome(market, pair, tiebreak, _cutoff_pairs(ranking, cutoff, pair, market))


def _first_choice(market: Market, tiebreak: npt.NDArray[np.uint64], id_order: IntArray) -> Outcome:
    first = market.pair_rank == 1
    # stage 1, the school lottery: each program takes the best of those who put it first
    stage1 = Ranking.build(
        market.pair_program, len(market.program_ids), ~first, -market.pair_priority, tiebreak, id_order
    )
    within = stage1.position - stage1.start[market.pair_program]
    admitted = first & (within < market.capacity[market.pair_program])
    pair = np.full(len(market.student_ids), -1, dtype=np.int64)
    pair[market.pair_student[admitted]] = np.flatnonzero(admitted)

    # stage 2, the central lottery: the others, without their first choice, for the seats left, no priorities
    left = market.capacity - np.bincount(market.pair_program[admitted], minlength=len(market.program_ids))
    taking_part = (pair < 0)[market.pair_student] & ~first
    sub = np.flatnonzero(taking_part)
    sub_student = market.pair_student[sub]
    counts = np.bincount(sub_student, minlength=len(market.student_ids))
    offsets = np.zeros(len(market.student_ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    stage2 = Ranking.build(market.pair_program[sub], len(market.program_ids), tiebreak[sub], id_order[sub])
    sub_pair, cutoff = deferred_acceptance(offsets, sub_student, market.pair_program[sub], stage2, left)
    placed = sub_pair >= 0
    pair[placed] = sub[sub_pair[placed]]

    last_admitted = np.full(len(market.program_ids), -1, dtype=np.int64)
    full = np.flatnonzero(admitted & (within == market.capacity[market.pair_program] - 1))
    last_admitted[market.pair_program[full]] = full
    held = np.bincount(market.pair_program[pair[pair >= 0]], minlength=len(market.program_ids))
    full2 = (held >= market.capacity) & (left > 0)
    stage2_last = np.where(full2, sub[stage2.order[np.clip(cutoff, 0, max(len(sub) - 1, 0))]] if len(sub) else -1, -1)
    return Outcome(market, pair, tiebreak, stage2_last.astype(np.int64), last_admitted)


def _id_order(market: Market) -> IntArray:
    """Each student's place in code-point order of ids (Python compares str by code point)."""
    order = np.array(sorted(range(len(market.student_ids)), key=market.student_ids.__getitem__), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank


def _cutoff_pairs(ranking: Ranking, cutoff: IntArray, pair: IntArray, market: Market) -> IntArray:
    """The last pair each full program kept."""
    held = np.bincount(market.pair_program[pair[pair >= 0]], minlength=len(market.program_ids))
    full = (held >= market.capacity) & (market.capacity > 0)
    return np.where(full, ranking.order[np.maximum(cutoff, 0)], -1)
