"""Student-proposing deferred acceptance over flat arrays, one numpy pass per round.

Each program keeps a *cut-off*: the position, in its own ranking, of the worst student it can still
take. A student's choice is the first program in their list whose cut-off they are within. Every round,
students who lost their seat move down their lists at once; each program that received someone counts
the students now choosing it in ranking order and, when it has more than its capacity, moves its
cut-off up to the last one it can keep. Cut-offs only ever tighten, so a rejection is final, which is
exactly deferred acceptance; its outcome is the student-optimal stable matching whatever the order of
proposals, so rounds give the same bytes as one-at-a-time Gale-Shapley.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Ranking:
    """Every program's ranking of the students who list it.

    One global order sorted by program, then by the program's ranking: `order[k]` is the pair at
    position `k`, `position[j]` the position of pair `j`; program `p` ranks `start[p]:start[p + 1]`.
    """

    order: IntArray
    position: IntArray
    start: IntArray

    @classmethod
    def build(cls, pair_program: IntArray, n_programs: int, *keys: npt.NDArray[np.generic]) -> "Ranking":
        """Sort by program, then by `keys` from most to least significant, as the ranking tuple lists them.

        A key that is the same for every pair (no guaranteed seats, no priorities) orders nothing and is
        left out of the sort.
        """
        varying = [key for key in keys if len(key) and (key != key[0]).any()]
        return cls._from_order(
            np.lexsort((*reversed(varying), pair_program)).astype(np.int64), pair_program, n_programs
        )

    @classmethod
    def by_student_order(
        cls,
        offsets: IntArray,
        pair_program: IntArray,
        n_programs: int,
        level: IntArray | None,
        student_order: IntArray,
    ) -> "Ranking":
        """Sort by program, then `level`, then the students' one order (single tie-break).

        Laying the pairs out in student order and then sorting stably by small integers is a radix sort
        in numpy, several times faster than a lexsort over millions of pairs; a lottery's thousands of
        draws pay for the ranking once each.
        """
        counts = np.diff(offsets)[student_order]
        first = offsets[:-1][student_order]
        group_start = np.cumsum(counts) - counts
        pairs = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(first - group_start, counts)
        if level is not None:
            pairs = pairs[np.argsort(_small(level[pairs]), kind="stable")]
        pairs = pairs[np.argsort(_small(pair_program[pairs]), kind="stable")]
        return cls._from_order(pairs, pair_program, n_programs)

    @classmethod
    def _from_order(cls, order: IntArray, pair_program: IntArray, n_programs: int) -> "Ranking":
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order), dtype=np.int64)
        start = np.zeros(n_programs + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_program, minlength=n_programs), out=start[1:])
        return cls(order, position, start)


def _small(values: IntArray) -> npt.NDArray[np.integer]:
    """Non-negative integers in the narrowest type, so that numpy's stable sort is a radix sort."""
    if len(values) and values.max() < 2**16:
        return values.astype(np.uint16)
    return values


def deferred_acceptance(
    offsets: IntArray, pair_student: IntArray, pair_program: IntArray, ranking: Ranking, capacity: IntArray
) -> tuple[IntArray, IntArray]:
    """The pair each student ends on (-1: unassigned), and each program's final cut-off position."""
    n_students = len(offsets) - 1
    position, start = ranking.position, ranking.start
    # everyone is within the cut-off of a program with seats, nobody within one without
    cutoff = np.where(capacity > 0, start[1:] - 1, start[:-1] - 1)
    choosing = np.zeros(len(position), dtype=np.bool_)  # by position
    choice = np.full(n_students, -1, dtype=np.int64)

    movers = np.arange(n_students, dtype=np.int64)
    pointer = offsets[:-1].copy()
    while len(movers):
        landed, pairs = _next_choice(movers, pointer, offsets[1:][movers], pair_program, position, cutoff)
        if not len(landed):
            break
        choice[landed] = pairs
        choosing[position[pairs]] = True
        fallen = ranking.order[_tighten(np.unique(pair_program[pairs]), choosing, start, cutoff, capacity)]
        movers = pair_student[fallen]
        choice[movers] = -1
        pointer = fallen + 1
    return choice, cutoff


def _next_choice(
    students: IntArray,
    pointer: IntArray,
    ends: IntArray,
    pair_program: IntArray,
    position: IntArray,
    cutoff: IntArray,
) -> tuple[IntArray, IntArray]:
    """From each student's pointer on, the first pair within its program's cut-off."""
    landed: list[IntArray] = []
    pairs: list[IntArray] = []
    while len(students):
        open_ = pointer < ends
        students, pointer, ends = students[open_], pointer[open_], ends[open_]
        within = position[pointer] <= cutoff[pair_program[pointer]]
        landed.append(students[within])
        pairs.append(pointer[within])
        later = ~within
        students, pointer, ends = students[later], pointer[later] + 1, ends[later]
    return np.concatenate(landed), np.concatenate(pairs)


def _tighten(
    programs: IntArray,
    choosing: npt.NDArray[np.bool_],
    start: IntArray,
    cutoff: IntArray,
    capacity: IntArray,
) -> IntArray:
    """Count the choosers of each program in `programs` in ranking order; a program that has reached
    its capacity moves its cut-off to the last one it keeps. Returns the positions that fell out."""
    first = start[programs]
    length = cutoff[programs] - first + 1
    group_start = np.cumsum(length) - length
    scan = np.arange(int(length.sum()), dtype=np.int64) + np.repeat(first - group_start, length)
    chosen = choosing[scan]
    running = np.cumsum(chosen, dtype=np.int64)
    before = np.concatenate(([0], running))[group_start]
    rank = running - np.repeat(before, length)  # how many choosers so far, within the program
    cap = np.repeat(capacity[programs], length)
    kept_last = chosen & (rank == cap)
    cutoff[np.repeat(programs, length)[kept_last]] = scan[kept_last]
    fallen: IntArray = scan[chosen & (rank > cap)]
    choosing[fallen] = False
    return fallen
