"""The benchmarks' market generator makes markets the engine accepts, with the shape they claim."""

import importlib.util
from pathlib import Path

import orjson

from loket.loting.domain.engine import load_market, result_document, solve

spec = importlib.util.spec_from_file_location("synthetic", Path(__file__).parents[1] / "benchmarks" / "synthetic.py")
assert spec is not None and spec.loader is not None
synthetic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(synthetic)


def test_a_synthetic_market_is_valid_and_has_twins_priorities_and_scarce_schools() -> None:
    market = synthetic.synthetic_market(2000, 20, 6)
    checked = load_market(orjson.dumps(market))

    assert len(checked.student_ids) == 2000 and len(checked.program_ids) == 20
    assert 1 <= max(len(s["preferences"]) for s in market["students"]) <= 6
    assert any("group" in s for s in market["students"]) and any("priorities" in s for s in market["students"])
    unplaced = [a for a in result_document(solve(checked))["assignments"] if a["program"] is None]
    assert len(unplaced) < 2000
