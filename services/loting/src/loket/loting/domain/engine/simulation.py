"""Probability estimates: many draws of one market, counted exactly, and the `loting-simulation/1` file.

Draw `i` (0-based) of a market is the market under seed `HMAC-SHA256(seed, "draw|" + str(i))` (the
spec's *Draws for probability estimates*), solved by the same `solve` as the real lottery. A run of
draws `first:last` gives a `Tally` of whole numbers only; `merge` adds tallies exactly, so draws split
over processes, machines or queue workers in any way give the same tally and the same STATS bytes.

What a tally holds:

- per student, how many draws placed them at each choice (`ranks`) and how many left them unassigned;
- per draw and program, the seats taken (`fill`) and the *cut-off*: the pair (student, program) the
  program kept last when it was full, and that pair's tie-break number.

The cut-off of a program in one draw is the applicant it kept last, when every seat is taken: the
ranking level that applicant was admitted on (a guaranteed seat, else the priority) and their lot,
the tie-break number used at that program divided by 2**64 (a number in [0, 1); lower lots go first).
Anyone with the same level and a lower lot would have been kept too. A program with seats left (or
with no seats at all) has no cut-off in that draw. Under `first-choice-da-stb` the cut-off comes from
the stage in which the program filled up: stage 1, the school lottery among those who put it first
(ranked by priority), or stage 2, the central lottery (where priorities count as 0); a stage-1 cut-off
is always a first choice and a stage-2 one never is, which is how the stage is told apart.

`statistics(market, tally)` turns a tally of draws `0:N` into the STATS document (see `docs/loting.md`,
*Simulations*): probabilities are counts divided by N; lot quantiles are nearest-rank (the smallest
observed lot with at least q % of the observations at or below it), so every number in the file is a
count, a ratio of counts or an observed lot, and any implementation gets the same bytes.
"""

import io
import itertools
import json
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from loket.loting.domain.engine.market import Market
from loket.loting.domain.engine.mechanisms import Outcome, solve
from loket.loting.domain.engine.tiebreak import draw_seed

FORMAT = "loting-simulation/1"
QUANTILES = (5, 25, 50, 75, 95)

IntArray = npt.NDArray[np.int64]
LotArray = npt.NDArray[np.uint64]


@dataclass(frozen=True, eq=False)
class Tally:
    """Exact counts over a set of draws of one market.

    `ranges` are the draws counted, as sorted, disjoint `(first, last)` half-open ranges (adjacent ones
    joined); the per-draw arrays have one row per draw counted, in draw order.
    """

    market_sha256: str
    ranges: tuple[tuple[int, int], ...]
    outcomes: IntArray  # [student, 0]: draws unassigned; [student, r]: draws placed at choice r
    fill: IntArray  # [row, program]: seats taken
    cutoff_pair: IntArray  # [row, program]: the pair kept last when full, else -1
    cutoff_lot: LotArray  # [row, program]: that pair's tie-break number, else 0

    @property
    def draws(self) -> int:
        return sum(last - first for first, last in self.ranges)

    def same_as(self, other: "Tally") -> bool:
        return (
            self.market_sha256 == other.market_sha256
            and self.ranges == other.ranges
            and all(np.array_equal(mine, theirs) for mine, theirs in zip(self._arrays(), other._arrays(), strict=True))
        )

    def _arrays(self) -> tuple[npt.NDArray[Any], ...]:
        return self.outcomes, self.fill, self.cutoff_pair, self.cutoff_lot


def choices(market: Market) -> int:
    """The longest preference list that counts (cut after a guaranteed program)."""
    return int(market.pair_rank.max()) if len(market.pair_rank) else 0


def run_draws(market: Market, first: int, last: int) -> Tally:
    """Solve draws `first:last` of `market` and count what happened."""
    if not 0 <= first < last:
        raise ValueError(f"draws {first}:{last}: need 0 <= first < last")
    n_students, n_programs = len(market.student_ids), len(market.program_ids)
    width = choices(market) + 1
    outcomes = np.zeros(n_students * width, dtype=np.int64)
    base = np.arange(n_students, dtype=np.int64) * width
    rows = last - first
    fill = np.empty((rows, n_programs), dtype=np.int64)
    cutoff_pair = np.empty((rows, n_programs), dtype=np.int64)
    cutoff_lot = np.empty((rows, n_programs), dtype=np.uint64)
    for row, draw in enumerate(range(first, last)):
        outcome = solve(market.with_seed(draw_seed(market.seed, draw)))
        program = outcome.program
        outcomes[base + outcome.rank] += 1  # one cell per student: no index repeats
        fill[row] = np.bincount(program[program >= 0], minlength=n_programs)
        pair = cutoff_pairs(outcome)
        full = pair >= 0
        cutoff_pair[row] = pair
        cutoff_lot[row] = 0
        cutoff_lot[row, full] = outcome.tiebreak[pair[full]]
    return Tally(market.sha256, ((first, last),), outcomes.reshape(n_students, width), fill, cutoff_pair, cutoff_lot)


def cutoff_pairs(outcome: Outcome) -> IntArray:
    """Per program the pair it kept last when full, in whichever stage it filled up; -1 when not full."""
    if outcome.first_choice_cutoff_pair is None:
        return outcome.cutoff_pair
    # a program full after stage 1 has no seats in stage 2, so at most one of the two is set
    return np.where(outcome.cutoff_pair >= 0, outcome.cutoff_pair, outcome.first_choice_cutoff_pair)


def merge(tallies: Iterable[Tally]) -> Tally:
    """The exact sum of tallies of the same market over disjoint draws, whatever their order."""
    parts = list(tallies)
    if not parts:
        raise ValueError("nothing to merge")
    head = parts[0]
    for part in parts[1:]:
        if part.market_sha256 != head.market_sha256:
            raise ValueError(f"tallies of different markets ({head.market_sha256[:12]}…, {part.market_sha256[:12]}…)")
        if part.outcomes.shape != head.outcomes.shape or part.fill.shape[1:] != head.fill.shape[1:]:
            raise ValueError("tallies of differently shaped markets")
    segments: list[tuple[int, int, Tally, int]] = []  # first, last, tally, first row
    for part in parts:
        row = 0
        for first, last in part.ranges:
            segments.append((first, last, part, row))
            row += last - first
    segments.sort(key=lambda s: s[0])
    for (_, last, _, _), (first, _, _, _) in itertools.pairwise(segments):
        if first < last:
            raise ValueError(f"draw {first} is counted twice")

    def rows(name: str) -> npt.NDArray[Any]:
        arrays = [getattr(t, name)[row : row + last - first] for first, last, t, row in segments]
        return np.concatenate(arrays)

    return Tally(
        head.market_sha256,
        _joined((first, last) for first, last, _, _ in segments),
        _summed(part.outcomes for part in parts),
        rows("fill"),
        rows("cutoff_pair"),
        rows("cutoff_lot"),
    )


def _summed(arrays: Iterable[IntArray]) -> IntArray:
    total: IntArray | None = None
    for array in arrays:
        total = array.astype(np.int64, copy=True) if total is None else total + array
    assert total is not None
    return total


def _joined(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    joined: list[tuple[int, int]] = []
    for first, last in ranges:
        if joined and joined[-1][1] == first:
            joined[-1] = (joined[-1][0], last)
        else:
            joined.append((first, last))
    return tuple(joined)


def chunks(first: int, last: int, size: int) -> list[tuple[int, int]]:
    """Draws `first:last` in consecutive ranges of at most `size`."""
    return [(start, min(start + size, last)) for start in range(first, last, size)]


def statistics(market: Market, tally: Tally) -> dict[str, Any]:
    """The STATS document (`loting-simulation/1`) of a tally of draws `0:N`."""
    if tally.market_sha256 != market.sha256:
        raise ValueError("the tally is of another market")
    draws = tally.draws
    if tally.ranges != ((0, draws),) or draws < 1:
        raise ValueError(f"statistics need draws 0:N, not {list(tally.ranges)}")
    if tally.outcomes.shape != (len(market.student_ids), choices(market) + 1):
        raise ValueError("the tally's shape does not fit the market")
    return {
        "format": FORMAT,
        "market_sha256": market.sha256,
        "mechanism": market.mechanism,
        "draws": draws,
        "students": _students(market, tally.outcomes, draws),
        "programs": _programs(market, tally, draws),
    }


def stats_bytes(document: dict[str, Any]) -> bytes:
    """STATS in the canonical form of the result file: keys sorted, no spaces, one newline at the end.

    The standard library's encoder, not orjson: a priority may be a whole number beyond 64 bits.
    """
    return (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _students(market: Market, outcomes: IntArray, draws: int) -> list[dict[str, Any]]:
    probability = (outcomes / draws).tolist()
    listed = np.diff(market.offsets).tolist()
    ids = market.student_ids
    return [
        {"student": ids[s], "ranks": probability[s][1 : listed[s] + 1], "unassigned": probability[s][0]}
        for s in sorted(range(len(ids)), key=ids.__getitem__)
    ]


def _programs(market: Market, tally: Tally, draws: int) -> list[dict[str, Any]]:
    ids = market.program_ids
    capacity = market.capacity
    fill = tally.fill
    full = (fill >= capacity).sum(axis=0).tolist()
    total, low, high = fill.sum(axis=0).tolist(), fill.min(axis=0).tolist(), fill.max(axis=0).tolist()
    levels = _cutoff_levels(market, tally)
    return [
        {
            "program": ids[p],
            "capacity": int(capacity[p]),
            "fill": {"mean": total[p] / draws, "min": low[p], "max": high[p], "p_full": full[p] / draws},
            "cutoff": {
                "none": int((tally.cutoff_pair[:, p] < 0).sum()) / draws,
                "levels": [
                    {**level, "share": len(lots) / draws, "lot": _quantiles(lots)} for level, lots in levels.get(p, [])
                ],
            },
        }
        for p in sorted(range(len(ids)), key=ids.__getitem__)
    ]


Level = tuple[int, bool, int | None]  # stage, guaranteed, priority


def _cutoff_levels(market: Market, tally: Tally) -> dict[int, list[tuple[dict[str, Any], LotArray]]]:
    """Per program, the observed cut-off lots (sorted) per ranking level, strongest level first."""
    kept = tally.cutoff_pair >= 0
    programs = np.nonzero(kept)[1]
    pairs, lots = tally.cutoff_pair[kept], tally.cutoff_lot[kept]
    distinct_pairs, of_pair = np.unique(pairs, return_inverse=True)
    distinct_levels = sorted({_level(market, pair) for pair in distinct_pairs.tolist()}, key=_strength)
    level_index = {level: i for i, level in enumerate(distinct_levels)}
    level_of_pair = np.array([level_index[_level(market, pair)] for pair in distinct_pairs.tolist()], dtype=np.int64)
    group = programs * max(len(distinct_levels), 1) + level_of_pair[of_pair.reshape(-1)]
    order = np.lexsort((lots, group))
    group, lots = group[order], lots[order]
    bounds = np.flatnonzero(np.diff(group)) + 1
    by_program: dict[int, list[tuple[dict[str, Any], LotArray]]] = {}
    for start, end in zip([0, *bounds.tolist()], [*bounds.tolist(), len(group)], strict=True):
        if start == end:
            continue
        program, level = divmod(int(group[start]), max(len(distinct_levels), 1))
        stage, guaranteed, priority = distinct_levels[level]
        by_program.setdefault(program, []).append(
            ({"stage": stage, "guaranteed": guaranteed, "priority": priority}, lots[start:end])
        )
    return by_program


def _level(market: Market, pair: int) -> Level:
    if market.mechanism == "first-choice-da-stb" and market.pair_rank[pair] != 1:
        return 2, False, 0  # the central lottery ignores priorities
    if market.pair_guaranteed[pair]:
        return 1, True, None  # a guaranteed seat goes before every priority
    student, program = int(market.pair_student[pair]), int(market.pair_program[pair])
    return 1, False, market.priorities[student].get(market.program_ids[program], 0)


def _strength(level: Level) -> tuple[int, int, int]:
    stage, guaranteed, priority = level
    return stage, 0 if guaranteed else 1, 0 if priority is None else -priority


def _quantiles(sorted_lots: LotArray) -> dict[str, float]:
    n = len(sorted_lots)
    return {f"p{q}": lot(int(sorted_lots[max(0, math.ceil(q * n / 100) - 1)])) for q in QUANTILES}


def lot(tiebreak: int) -> float:
    """A tie-break number as a lot in [0, 1): its top 53 bits, so that it never rounds up to 1."""
    return (tiebreak >> 11) / 2**53


# --- a tally as bytes, for the queue ------------------------------------------------------------------


def tally_bytes(tally: Tally) -> bytes:
    """A tally as a compressed `.npz` (numpy's zip of arrays; read back without pickle)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        market_sha256=np.array(tally.market_sha256),
        ranges=np.array(tally.ranges, dtype=np.int64).reshape(-1, 2),
        outcomes=tally.outcomes,
        fill=tally.fill,
        cutoff_pair=tally.cutoff_pair,
        cutoff_lot=tally.cutoff_lot,
    )
    return buffer.getvalue()


def read_tally(data: bytes) -> Tally:
    """The tally `tally_bytes` wrote; ValueError for anything else."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in _FIELDS}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a tally: {exc}") from None
    ranges = tuple((int(a), int(b)) for a, b in arrays["ranges"].tolist())
    tally = Tally(
        str(arrays["market_sha256"]),
        ranges,
        arrays["outcomes"].astype(np.int64, copy=False),
        arrays["fill"].astype(np.int64, copy=False),
        arrays["cutoff_pair"].astype(np.int64, copy=False),
        arrays["cutoff_lot"].astype(np.uint64, copy=False),
    )
    rows = tally.draws
    shapes_fit = (
        tally.outcomes.ndim == 2
        and tally.fill.ndim == 2
        and tally.fill.shape[0] == rows
        and tally.cutoff_pair.shape == tally.fill.shape
        and tally.cutoff_lot.shape == tally.fill.shape
    )
    if not shapes_fit or any(first >= last for first, last in ranges):
        raise ValueError("not a tally: its arrays do not fit its draws")
    return tally


_FIELDS: Sequence[str] = ("market_sha256", "ranges", "outcomes", "fill", "cutoff_pair", "cutoff_lot")
