"""A synthetic market generator: popular schools, lists of varying length, some priorities and twins.

uv run python benchmarks/synthetic.py --students 80000 --programs 700 --choices 12 > ny.market.json
"""

import argparse
import json
import sys

import numpy as np


def synthetic_market(
    students: int,
    programs: int,
    choices: int,
    *,
    mechanism: str = "da-stb",
    seed: int = 2026,
    slack: float = 1.05,
) -> dict[str, object]:
    """A market whose seats total `slack` x the students, spread so that popular programs are scarce."""
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.2, programs) + 1.0  # a few schools everyone wants, a long tail
    popularity /= popularity.sum()
    capacity = np.maximum(1, rng.multinomial(int(students * slack), np.full(programs, 1 / programs)))
    program_ids = [f"P{p:05d}" for p in range(programs)]
    lengths = rng.integers(1, choices + 1, students)
    market_students = []
    for s in range(students):
        picks = rng.choice(programs, size=min(int(lengths[s]), programs), replace=False, p=popularity)
        student: dict[str, object] = {"id": f"E{s:08d}", "preferences": [program_ids[p] for p in picks]}
        if rng.random() < 0.1:  # a sibling or a feeder school
            student["priorities"] = {program_ids[picks[0]]: 1}
        if s % 97 == 1:  # twins share their lot
            student["group"] = f"G{s - 1:08d}"
            market_students[-1]["group"] = f"G{s - 1:08d}"
        market_students.append(student)
    return {
        "format": "loting-market/1",
        "mechanism": mechanism,
        "seed": rng.bytes(32).hex(),
        "programs": [{"id": program_ids[p], "capacity": int(capacity[p])} for p in range(programs)],
        "students": market_students,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8000)
    parser.add_argument("--programs", type=int, default=90)
    parser.add_argument("--choices", type=int, default=12)
    parser.add_argument("--mechanism", default="da-stb")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    market = synthetic_market(args.students, args.programs, args.choices, mechanism=args.mechanism, seed=args.seed)
    json.dump(market, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
