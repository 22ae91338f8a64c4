"""Time the lottery engine on synthetic markets of a city, a large city and a country; print markdown.

uv run python benchmarks/run.py                      # everything (a few minutes, ~2 GB of memory)
uv run python benchmarks/run.py --only amsterdam,ny  # some of it

Markets come from `synthetic.py` and are cached under `benchmarks/.cache/` (named after the generator's
own hash, so a changed generator makes new ones). Figures are printed, never asserted: they depend on
the machine, which is printed too.
"""

import argparse
import gc
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

import loket.loting.domain.engine.deferred_acceptance as da_module
from loket.loting.domain.engine import draw_seed, load_market, mechanisms, result_bytes, solve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import synthetic_market

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
LOAD_AT_START = os.getloadavg()[0]  # other work on the machine slows every figure; say how much there was

PHASES = ("tie-breaks", "ranking", "matching")
# what `solve` calls, by phase; whatever the engine no longer has is skipped
INSTRUMENTED: dict[str, list[tuple[Any, str]]] = {
    "tie-breaks": [(mechanisms, "tiebreak_numbers"), (mechanisms, "_student_numbers")],
    "ranking": [
        (da_module.Ranking, "build"),
        (da_module.Ranking, "by_student_order"),
        (mechanisms, "_levels"),
        (mechanisms, "_student_order"),
        (mechanisms, "_id_order"),
    ],
    "matching": [(mechanisms, "deferred_acceptance")],
}
TARGETS = {  # (size, what): seconds; reported, not asserted
    ("ny", "end to end"): 1.5,
    ("ny", "matching"): 0.1,
    ("country", "end to end"): 15.0,
    ("draws", "1,000 draws"): 10.0,
}


@dataclass(frozen=True)
class Size:
    key: str
    label: str
    students: int
    programs: int
    choices: int
    mechanism: str = "da-stb"
    repeat: int = 5


SIZES = [
    Size("amsterdam", "(a) Amsterdam 8,000 × 90 × 12", 8_000, 90, 12),
    Size("ny", "(b) New York 80,000 × 700 × 12", 80_000, 700, 12),
    Size("ny-mtb", "(b′) New York, da-mtb", 80_000, 700, 12, "da-mtb"),
    Size("ny-fc", "(b″) New York, first-choice-da-stb", 80_000, 700, 12, "first-choice-da-stb"),
    Size("country", "(c) 1,000,000 × 5,000 × 10", 1_000_000, 5_000, 10, repeat=2),
]


@dataclass
class Row:
    label: str
    pairs: int
    parse: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in (*PHASES, "other")})
    result: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    end_to_end: list[float] = field(default_factory=list)

    def best(self, values: list[float]) -> float:
        return min(values) if values else float("nan")


class PhaseClock:
    """Times the engine's phases by wrapping the functions `solve` calls; only the outermost wrapped call
    counts, so a phase calling another is not counted twice."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(PHASES, 0.0)
        self._active = False

    def _wrap(self, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._active:
                return function(*args, **kwargs)
            self._active = True
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[phase] += time.perf_counter() - start
                self._active = False

        return timed

    @contextmanager
    def installed(self) -> Iterator["PhaseClock"]:
        undo: list[tuple[Any, str, Any]] = []
        for phase, places in INSTRUMENTED.items():
            for owner, name in places:
                if name in vars(owner):
                    undo.append((owner, name, vars(owner)[name]))
                    setattr(owner, name, self._wrap(phase, getattr(owner, name)))
        try:
            yield self
        finally:
            for owner, name, original in reversed(undo):
                setattr(owner, name, original)


def cached_market(size: Size) -> Path:
    """The size's market file, generated once per version of `synthetic.py`."""
    version = hashlib.sha256((HERE / "synthetic.py").read_bytes()).hexdigest()[:10]
    path = CACHE / f"{size.students}x{size.programs}x{size.choices}-{size.mechanism}-{version}.market.json"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        start = time.perf_counter()
        data = orjson.dumps(synthetic_market(size.students, size.programs, size.choices, mechanism=size.mechanism))
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        print(f"generated {path.relative_to(ROOT)} ({len(data) / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
    return path


def loting() -> Path:
    """The workspace's `loting` console script: what `uv run loting` runs, without uv's own start-up."""
    return Path(sys.executable).parent / "loting"


def wall(command: list[str | Path]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    return time.perf_counter() - start, done


def measure(size: Size) -> Row:
    path = cached_market(size)
    data = path.read_bytes()
    expected: bytes | None = None
    row = Row(size.label, 0)
    for _ in range(size.repeat):
        gc.collect()
        start = time.perf_counter()
        market = load_market(data)
        parsed = time.perf_counter()
        with PhaseClock().installed() as clock:
            outcome = solve(market)
        solved = time.perf_counter()
        result = result_bytes(outcome)
        written = time.perf_counter()
        expected = expected or result
        assert result == expected, "the same market gave two results"
        row.pairs = len(market.pair_program)
        row.parse.append(parsed - start)
        for phase in PHASES:
            row.phases[phase].append(clock.spent[phase])
        row.phases["other"].append(solved - parsed - sum(clock.spent.values()))
        row.result.append(written - solved)
        row.total.append(written - start)
        del market, outcome
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        for _ in range(min(size.repeat, 3)):
            seconds, done = wall([loting(), "solve", path, out])
            if done.returncode != 0:
                print(f"loting solve failed on {path.name}: {done.stderr.strip().splitlines()[-1:]}")
                break
            assert out.read_bytes() == expected, "loting solve wrote another result than the engine"
            row.end_to_end.append(seconds)
    return row


def draws(draws: int) -> list[tuple[str, float | None, str]]:
    """(d): the Amsterdam-size market drawn `draws` times by `loting simulate`, and in this process."""
    size = SIZES[0]
    path = cached_market(size)
    rows: list[tuple[str, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stats.json"
        seconds, done = wall([loting(), "simulate", path, "--draws", str(draws), "--out", out])
        if done.returncode == 0 and out.exists():
            rows.append((f"`loting simulate --draws {draws}` (all {os.cpu_count()} cores)", seconds, ""))
        else:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            rows.append((f"`loting simulate --draws {draws}`", None, f"not available: exit {done.returncode}, {last}"))
    market = load_market(path.read_bytes())
    solve(market)  # what every draw shares is computed once, as a simulation would
    start = time.perf_counter()
    for i in range(draws):
        solve(market.with_seed(draw_seed(market.seed, i)))
    rows.append((f"{draws} × `solve` in one process, one core (no statistics)", time.perf_counter() - start, ""))
    return rows


def machine() -> list[str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    return [
        f"- CPU: {model}, {os.cpu_count()} logical cores ({usable} usable)",
        f"- memory: {_memory()}",
        f"- {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), numpy {np.__version__}, "
        f"orjson {orjson.__version__}",
        f"- engine at git {commit or 'unknown'}",
        f"- load average (1 min) when the run began and ended: {LOAD_AT_START:.1f}, {os.getloadavg()[0]:.1f}",
    ]


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _memory() -> str:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 2**20:.0f} GiB"
    return "unknown"


def seconds(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(rows: list[Row]) -> list[str]:
    head = [
        "market",
        "pairs",
        "parse + validate",
        *PHASES,
        "other solve",
        "result bytes",
        "in process",
        "`loting solve`",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        phases = [row.best(row.phases[p]) for p in (*PHASES, "other")]
        cells = [
            row.label,
            f"{row.pairs:,}",
            seconds(row.best(row.parse)),
            *(seconds(p) for p in phases),
            seconds(row.best(row.result)),
            seconds(row.best(row.total)),
            seconds(row.best(row.end_to_end)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    keys = [s.key for s in SIZES] + ["draws"]
    parser.add_argument("--only", default=",".join(keys), help=f"comma-separated, of: {', '.join(keys)}")
    parser.add_argument("--draws", type=int, default=1000, help="draws of the Amsterdam-size market (d)")
    parser.add_argument("--repeat", type=int, help="runs per market (default: 5, the country 2)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(keys)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")

    rows: dict[str, Row] = {}
    for size in SIZES:
        if size.key in only:
            if args.repeat:
                size = Size(**{**size.__dict__, "repeat": args.repeat})
            rows[size.key] = measure(size)
    draw_rows = draws(args.draws) if "draws" in only else []
    startup = min(wall([loting(), "--help"])[0] for _ in range(3))
    uv_startup = min(wall(["uv", "run", "--frozen", "loting", "--help"])[0] for _ in range(3))

    print("\n## Machine\n")
    print("\n".join(machine()))
    if rows:
        print("\n## Solve (best of the runs; tie-breaks, ranking, matching and other are inside `solve`)\n")
        print("\n".join(table(list(rows.values()))))
        print(
            f"\n`loting solve` is the wall time of the console script as a subprocess, start-up included "
            f"(`loting --help` alone: {seconds(startup)}; through `uv run`: {seconds(uv_startup)})."
        )
    if draw_rows:
        print("\n## (d) Draws of the Amsterdam-size market\n")
        print("| run | wall time | note |\n|---|---|---|")
        for label, value, note in draw_rows:
            print(f"| {label} | {seconds(value)} | {note} |")

    measured = {
        ("ny", "end to end"): rows["ny"].best(rows["ny"].end_to_end) if "ny" in rows else None,
        ("ny", "matching"): rows["ny"].best(rows["ny"].phases["matching"]) if "ny" in rows else None,
        ("country", "end to end"): rows["country"].best(rows["country"].end_to_end) if "country" in rows else None,
        ("draws", "1,000 draws"): draw_rows[0][1] if draw_rows and args.draws == 1000 else None,
    }
    print("\n## Targets (reported, not asserted)\n")
    print("| target | measured | |\n|---|---|---|")
    for (key, what), limit in TARGETS.items():
        value = measured[(key, what)]
        verdict = "–" if value is None or value != value else ("met" if value < limit else "**missed**")
        print(f"| {key} {what} < {seconds(limit)} | {seconds(value)} | {verdict} |")


if __name__ == "__main__":
    main()
