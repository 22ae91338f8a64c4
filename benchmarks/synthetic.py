"""A synthetic market generator: popular schools, lists of varying length, some priorities and twins.

uv run python benchmarks/synthetic.py --students 80000 --programs 700 --choices 12 > ny.market.json

Vectorised with numpy: a million students take about 2 s, most of it making the JSON objects.
"""

import argparse
import gc
import sys

import numpy as np
import numpy.typing as npt
import orjson

POPULARITY_CAP = 25.0  # the most popular school is drawn at most 25 times as often as the least
PRIORITY_SHARE = 0.1  # a sibling or a feeder school: priority 1 at the first choice
TWINS_EVERY = 97  # student s with s % 97 == 1 is the twin of student s - 1


def synthetic_market(
    students: int,
    programs: int,
    choices: int,
    *,
    mechanism: str = "da-stb",
    seed: int = 2026,
    slack: float = 1.05,
) -> dict[str, object]:
    """A market whose seats total `slack` x the students, spread so that popular programs are scarce.

    Each student lists 1 to `choices` distinct programs (uniformly many), drawn by popularity without
    replacement; the same arguments always give the same market.
    """
    rng = np.random.default_rng(seed)
    # a few schools many want, a long tail; uncapped, one school could take 90% of all first choices
    popularity = np.minimum(rng.pareto(1.2, programs) + 1.0, POPULARITY_CAP)
    popularity /= popularity.sum()
    capacity = np.maximum(1, rng.multinomial(int(students * slack), np.full(programs, 1 / programs)))
    program_ids = [f"P{p:05d}" for p in range(programs)]
    lengths = np.minimum(rng.integers(1, choices + 1, students), programs)
    names = [program_ids[p] for p in _preferences(rng, popularity, lengths).tolist()]
    ends = np.cumsum(lengths)
    starts, ends = (ends - lengths).tolist(), ends.tolist()
    prioritised = (rng.random(students) < PRIORITY_SHARE).tolist()

    market_students: list[dict[str, object]] = []
    gc.disable()  # a million new dicts and none of them garbage: a collection would only walk them all
    try:
        for s, (start, end) in enumerate(zip(starts, ends, strict=True)):
            student: dict[str, object] = {"id": f"E{s:08d}", "preferences": names[start:end]}
            if prioritised[s]:
                student["priorities"] = {names[start]: 1}
            if s % TWINS_EVERY == 1:  # twins share their lot
                student["group"] = market_students[-1]["group"] = f"G{s - 1:08d}"
            market_students.append(student)
    finally:
        gc.enable()
    return {
        "format": "loting-market/1",
        "mechanism": mechanism,
        "seed": rng.bytes(32).hex(),
        "programs": [{"id": program_ids[p], "capacity": int(capacity[p])} for p in range(programs)],
        "students": market_students,
    }


def _preferences(
    rng: np.random.Generator, popularity: npt.NDArray[np.float64], lengths: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Every student's list, flattened in student order: weighted sampling without replacement, one
    position at a time for all students at once. A student who draws a program already on their list
    draws again, which is exactly drawing by popularity among the programs not yet listed."""
    n, programs = len(lengths), len(popularity)
    longest = int(lengths.max()) if n else 0
    lists = np.full((n, longest), -1, dtype=np.int64)
    cdf = np.cumsum(popularity)
    for position in range(longest):
        todo = np.flatnonzero(lengths > position)
        while len(todo):
            drawn = np.searchsorted(cdf, rng.random(len(todo)), side="right").clip(max=programs - 1)
            listed = (lists[todo, :position] == drawn[:, None]).any(axis=1)
            lists[todo[~listed], position] = drawn[~listed]
            todo = todo[listed]
    return lists[np.arange(longest) < lengths[:, None]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8000)
    parser.add_argument("--programs", type=int, default=90)
    parser.add_argument("--choices", type=int, default=12)
    parser.add_argument("--mechanism", default="da-stb")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    market = synthetic_market(args.students, args.programs, args.choices, mechanism=args.mechanism, seed=args.seed)
    sys.stdout.buffer.write(orjson.dumps(market))


if __name__ == "__main__":
    main()
