"""The three mechanisms of the spec, over a checked `Market`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from loket.loting.domain.engine.deferred_acceptance import Ranking, deferred_acceptance
from loket.loting.domain.engine.market import Market
from loket.loting.domain.engine.tiebreak import Keyed

IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


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
        return self._of_pair(self.market.pair_program, -1)

    @property
    def rank(self) -> IntArray:
        return self._of_pair(self.market.pair_rank, 0)

    def _of_pair(self, values: IntArray, none: int) -> IntArray:
        result = np.full(len(self.pair), none, dtype=np.int64)
        placed = self.pair >= 0
        result[placed] = values[self.pair[placed]]
        return result


def tiebreak_numbers(market: Market) -> npt.NDArray[np.uint64]:
    """The tie-break number of every pair: STB per subject, MTB per (program, subject)."""
    keyed = Keyed(market.seed)
    if market.mechanism == "da-mtb":
        return keyed.numbers(_cached(market, "mtb_messages", _mtb_messages))
    return _student_numbers(market, keyed)[market.pair_student]


def solve(market: Market) -> Outcome:
    if market.mechanism == "first-choice-da-stb":
        return _first_choice(market)
    level = _cached(market, "level", lambda m: _levels(~m.pair_guaranteed, m.pair_priority))
    if market.mechanism == "da-mtb":
        tiebreak = tiebreak_numbers(market)
        id_order = _cached(market, "id_order", _id_order)[market.pair_student]
        keys = (tiebreak, id_order) if level is None else (level, tiebreak, id_order)
        ranking = Ranking.build(market.pair_program, len(market.program_ids), *keys)
    else:
        student_tiebreak = _student_numbers(market, Keyed(market.seed))
        tiebreak = student_tiebreak[market.pair_student]
        ranking = Ranking.by_student_order(
            market.offsets,
            market.pair_program,
            len(market.program_ids),
            level,
            _student_order(market, student_tiebreak),
        )
    pair, cutoff = deferred_acceptance(
        market.offsets, market.pair_student, market.pair_program, ranking, market.capacity
    )
    return Outcome(market, pair, tiebreak, _cutoff_pairs(ranking, cutoff, pair, market))


def _first_choice(market: Market) -> Outcome:
    student_tiebreak = _student_numbers(market, Keyed(market.seed))
    tiebreak = student_tiebreak[market.pair_student]
    student_order = _student_order(market, student_tiebreak)
    first = market.pair_rank == 1
    n_programs = len(market.program_ids)
    # stage 1, the school lottery: each program takes the best of those who put it first
    level = _cached(market, "first_choice_level", lambda m: _levels(m.pair_rank != 1, m.pair_priority))
    stage1 = Ranking.by_student_order(market.offsets, market.pair_program, n_programs, level, student_order)
    within = stage1.position - stage1.start[market.pair_program]
    admitted = first & (within < market.capacity[market.pair_program])
    pair = np.full(len(market.student_ids), -1, dtype=np.int64)
    pair[market.pair_student[admitted]] = np.flatnonzero(admitted)

    # stage 2, the central lottery: the others, without their first choice, for the seats left, no priorities
    left = market.capacity - np.bincount(market.pair_program[admitted], minlength=n_programs)
    sub = np.flatnonzero((pair < 0)[market.pair_student] & ~first)
    sub_student = market.pair_student[sub]
    offsets = np.zeros(len(market.student_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sub_student, minlength=len(market.student_ids)), out=offsets[1:])
    sub_program = market.pair_program[sub]
    stage2 = Ranking.by_student_order(offsets, sub_program, n_programs, None, student_order)
    sub_pair, cutoff = deferred_acceptance(offsets, sub_student, sub_program, stage2, left)
    placed = sub_pair >= 0
    pair[placed] = sub[sub_pair[placed]]

    last_admitted = np.full(n_programs, -1, dtype=np.int64)
    full = np.flatnonzero(admitted & (within == market.capacity[market.pair_program] - 1))
    last_admitted[market.pair_program[full]] = full
    held = np.bincount(market.pair_program[pair[pair >= 0]], minlength=n_programs)
    full2 = (held >= market.capacity) & (left > 0)
    last2 = np.full(n_programs, -1, dtype=np.int64)
    if len(sub):
        last2 = np.where(full2, sub[stage2.order[np.clip(cutoff, 0, len(sub) - 1)]], -1)
    return Outcome(market, pair, tiebreak, last2, last_admitted)


def _cached(market: Market, name: str, compute: Callable[[Market], T]) -> T:
    if name not in market.cache:
        market.cache[name] = compute(market)
    value: T = market.cache[name]
    return value


def _levels(not_guaranteed: npt.NDArray[np.bool_], priority: IntArray) -> IntArray | None:
    """The first keys of the ranking tuple as one small integer per pair; None when they order nothing."""
    if not len(priority) or ((priority == priority[0]).all() and (not_guaranteed == not_guaranteed[0]).all()):
        return None
    distinct, stronger_first = np.unique(-priority, return_inverse=True)
    return not_guaranteed.astype(np.int64) * len(distinct) + stronger_first.reshape(-1).astype(np.int64)


def _student_numbers(market: Market, keyed: Keyed) -> npt.NDArray[np.uint64]:
    """STB: one number per student; twins are drawn once for their group."""
    messages, of_student = _cached(market, "stb_messages", _stb_messages)
    numbers = keyed.numbers(messages)
    return numbers if of_student is None else numbers[of_student]


def _student_order(market: Market, student_tiebreak: npt.NDArray[np.uint64]) -> IntArray:
    order: IntArray = np.lexsort((_cached(market, "id_order", _id_order), student_tiebreak)).astype(np.int64)
    return order


def _stb_messages(market: Market) -> tuple[list[bytes], IntArray | None]:
    subjects = market.subjects
    if all(g is None for g in market.groups):
        return [f"stb|{s}".encode() for s in subjects], None
    distinct = list(dict.fromkeys(subjects))  # any fixed order will do: each subject is drawn once
    index = {s: i for i, s in enumerate(distinct)}
    return [f"stb|{s}".encode() for s in distinct], np.array([index[s] for s in subjects], dtype=np.int64)


def _mtb_messages(market: Market) -> list[bytes]:
    subjects, programs = market.subjects, market.program_ids
    return [
        f"mtb|{programs[p]}|{subjects[s]}".encode()
        for s, p in zip(market.pair_student.tolist(), market.pair_program.tolist(), strict=True)
    ]


def _id_order(market: Market) -> IntArray:
    """Each student's place in code-point order of ids (Python compares str by code point)."""
    order = np.array(market.by_id, dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank


def _cutoff_pairs(ranking: Ranking, cutoff: IntArray, pair: IntArray, market: Market) -> IntArray:
    """The last pair each full program kept."""
    held = np.bincount(market.pair_program[pair[pair >= 0]], minlength=len(market.program_ids))
    full = np.flatnonzero((held >= market.capacity) & (market.capacity > 0))
    last = np.full(len(market.program_ids), -1, dtype=np.int64)
    last[full] = ranking.order[cutoff[full]]
    return last
