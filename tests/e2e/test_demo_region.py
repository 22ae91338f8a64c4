"""The demo region's procedure that `make up` writes (scripts/demo/procedure.py): demo.toml with its dates moved to the
day of the first run, so that the demo's registration is open that day and the weeks after, whatever the year."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from loket.aanmelding.adapters.procedure_file import parse

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scripts" / "demo"
spec = importlib.util.spec_from_file_location(
    "loket_make_up_demo", DEMO / "__init__.py", submodule_search_locations=[str(DEMO)]
)
assert spec is not None and spec.loader is not None
sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses and relative imports look it up
spec.loader.exec_module(sys.modules[spec.name])
demo = sys.modules[f"{spec.name}.procedure"]

DATES = ("parent_login", "registration", "reminders", "decisions_due", "lottery_at", "publication_at")


def without_dates(procedure: dict[str, Any]) -> dict[str, Any]:
    rounds = [{key: value for key, value in round_.items() if key not in DATES} for round_ in procedure["rounds"]]
    kept = {key: value for key, value in procedure.items() if key not in (*DATES, "school_year")}
    return kept | {"rounds": rounds}


@pytest.mark.parametrize("day", ["2026-12-07", "2027-06-20", "2027-07-25", "2028-02-29", "2031-09-01"])
def test_the_demo_round_is_open_from_the_first_run_on(day: str) -> None:
    first_run = dt.date.fromisoformat(day)
    text = demo.procedure_around(first_run)
    procedure = parse(text, "demo-procedure.toml")  # aanmelding's own checks
    [round_] = procedure.rounds
    noon = dt.datetime.combine(first_run, dt.time(12), tzinfo=demo.DUTCH_TIME)
    assert round_.registration.holds(noon)
    assert round_.registration.holds(noon + dt.timedelta(days=20))
    assert round_.registration.opens <= noon - dt.timedelta(days=7)
    assert round_.registration.closes.date() == first_run + dt.timedelta(days=21)
    assert procedure.parent_login.holds(noon)
    assert round_.registration.closes < round_.lottery_at < round_.publication_at
    starts = int(procedure.school_year[:4])
    assert dt.date(starts - 1, 8, 1) <= round_.publication_at.date() < dt.date(starts, 8, 1)  # before that summer
    template = tomllib.loads(demo.TEMPLATE.read_text(encoding="utf-8"))
    assert without_dates(tomllib.loads(text)) == without_dates(template)  # only the dates moved


def test_the_file_is_written_once_and_keeps_the_first_runs_dates(tmp_path: Path) -> None:
    path = demo.write_procedure(tmp_path / "var", dt.date(2026, 12, 7))
    first = path.read_text(encoding="utf-8")
    assert demo.write_procedure(tmp_path / "var", dt.date(2027, 3, 1)) == path
    assert path.read_text(encoding="utf-8") == first
    assert demo.registration_closes(path) == dt.datetime(2026, 12, 28, 17, tzinfo=demo.DUTCH_TIME)
