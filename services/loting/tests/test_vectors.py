"""The published test vectors, byte for byte: through the engine, the CLI and the reference oracle.

A valid vector's result file must come out identical; an invalid vector must be refused with one line
naming the student or program at fault, exit code 2, and nothing written (an existing file is left as
it was).
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loket.loting.__main__ import loting as main
from loket.loting.domain.engine import InvalidMarket, load_market, result_bytes, solve

sys.path.insert(0, str(Path(__file__).parent))
import reference

VECTORS = Path(__file__).parent / "vectors"
INVALID = VECTORS / "invalid"
REPOSITORY = Path(__file__).resolve().parents[3]
MARKETS = sorted(VECTORS.glob("*.market.json"))
INVALID_MARKETS = sorted(INVALID.glob("*.market.json"))
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MECHANISMS = ("da-stb", "da-mtb", "first-choice-da-stb")

# a word of the rule each kind of invalid vector breaks, as the refusal must say it
RULE_WORDS = {
    "unknown-program": "does not exist",
    "duplicate-preference": "twice",
    "duplicate-student": "two students",
    "negative-capacity": "capacity",
    "bad-seed": "seed",
    "unknown-mechanism": "mechanism",
    "guaranteed-not-listed": "guaranteed",
    "bad-id": "must match",
    "unknown-key": "unknown key",
    "fractional-capacity": "capacity",
}


def name(path: Path) -> str:
    return path.name.removesuffix(".market.json")


def result_of(market: Path) -> Path:
    return market.with_name(f"{name(market)}.result.json")


def loting_script() -> Path:
    """The `loting` console script of the environment running the tests."""
    script = Path(sys.executable).parent / "loting"
    if not script.exists():  # pragma: no cover - Windows
        script = script.with_suffix(".exe")
    return script


def test_the_vectors_are_there() -> None:
    assert len(MARKETS) >= 11
    assert all(result_of(m).exists() for m in MARKETS)
    assert {p.name for p in VECTORS.glob("*.result.json")} == {result_of(m).name for m in MARKETS}
    readme = json.loads((INVALID / "README.json").read_bytes())
    assert set(readme) == {name(p) for p in INVALID_MARKETS}, "every invalid vector is described, and only those"


@pytest.mark.parametrize("market", MARKETS, ids=name)
def test_the_engine_reproduces_every_result_byte_for_byte(market: Path) -> None:
    assert result_bytes(solve(load_market(market.read_bytes()))) == result_of(market).read_bytes()


@pytest.mark.parametrize("market", MARKETS, ids=name)
def test_the_reference_oracle_agrees_with_every_vector(market: Path) -> None:
    assert reference.result_bytes(market.read_bytes()) == result_of(market).read_bytes()


@pytest.mark.parametrize("market", MARKETS, ids=name)
def test_loting_solve_writes_every_result_byte_for_byte(
    market: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "result.json"

    assert main(["solve", str(market), str(result)]) == 0

    assert result.read_bytes() == result_of(market).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"], "no temporary file is left behind"
    assert "Traceback" not in capsys.readouterr().err


def test_loting_solve_replaces_an_older_result_as_a_whole(tmp_path: Path) -> None:
    market = MARKETS[0]
    result = tmp_path / "result.json"
    result.write_bytes(b"x" * 100_000)

    assert main(["solve", str(market), str(result)]) == 0

    assert result.read_bytes() == result_of(market).read_bytes()


@pytest.mark.parametrize("market", MARKETS, ids=name)
def test_loting_verify_accepts_every_published_result(market: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(market), str(result_of(market))]) == 0
    assert capsys.readouterr().out.startswith("OK:")


def offenders(document: Any) -> set[str]:
    """The students, programs and keys a market breaks a rule with, found the plain way, from the spec."""
    found: set[str] = set()
    found |= {key for key in document if key not in {"format", "mechanism", "seed", "programs", "students"}}
    if document.get("format") != "loting-market/1":
        found.add("format")
    if document.get("mechanism") not in MECHANISMS:
        found.add("mechanism")
    if not (isinstance(document.get("seed"), str) and re.fullmatch(r"[0-9a-f]{64}", document["seed"])):
        found.add("seed")
    programs = [p for p in document.get("programs", []) if isinstance(p, dict)]
    students = [s for s in document.get("students", []) if isinstance(s, dict)]
    program_ids = [str(p.get("id")) for p in programs]
    capacity = {}
    for program in programs:
        pid, cap = str(program.get("id")), program.get("capacity")
        capacity[pid] = cap
        if not ID.fullmatch(pid) or program_ids.count(pid) > 1 or set(program) - {"id", "capacity"}:
            found.add(pid)
        if type(cap) is not int or cap < 0:
            found.add(pid)
    student_ids = [str(s.get("id")) for s in students]
    guaranteed: dict[str, int] = {}
    for student in students:
        sid, preferences = str(student.get("id")), student.get("preferences", [])
        wrong = (
            not ID.fullmatch(sid)
            or student_ids.count(sid) > 1
            or bool(set(student) - {"id", "preferences", "priorities", "group", "guaranteed"})
            or any(p not in capacity for p in preferences)
            or len(set(preferences)) != len(preferences)
            or any(p not in capacity for p in student.get("priorities", {}))
            or ("group" in student and not ID.fullmatch(str(student["group"])))
            or ("guaranteed" in student and student["guaranteed"] not in preferences)
            or ("guaranteed" in student and document.get("mechanism") == "first-choice-da-stb")
        )
        if wrong:
            found.add(sid)
        if "guaranteed" in student:
            guaranteed[student["guaranteed"]] = guaranteed.get(student["guaranteed"], 0) + 1
    found |= {p for p, n in guaranteed.items() if isinstance(capacity.get(p), int) and n > capacity[p]}
    return found


@pytest.mark.parametrize("market", MARKETS, ids=name)
def test_the_plain_checker_finds_nothing_wrong_with_a_valid_vector(market: Path) -> None:
    assert offenders(json.loads(market.read_bytes())) == set()


@pytest.mark.parametrize("market", INVALID_MARKETS, ids=name)
def test_an_invalid_market_is_refused_by_the_engine_naming_the_culprit(market: Path) -> None:
    culprits = offenders(json.loads(market.read_bytes()))
    assert culprits, "the plain reading of the spec finds what is wrong with this vector"

    with pytest.raises(InvalidMarket) as refused:
        load_market(market.read_bytes())

    message = str(refused.value)
    assert "\n" not in message
    assert any(c in message for c in culprits), f"{message!r} names none of {sorted(culprits)}"
    assert RULE_WORDS.get(name(market), "") in message


@pytest.mark.parametrize("market", INVALID_MARKETS, ids=name)
@pytest.mark.parametrize("existing", [False, True], ids=["no-result-yet", "result-exists"])
def test_loting_solve_refuses_an_invalid_market_in_one_line_and_writes_nothing(
    market: Path, existing: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "result.json"
    earlier = result_of(MARKETS[0]).read_bytes()
    if existing:
        result.write_bytes(earlier)

    assert main(["solve", str(market), str(result)]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err.startswith(f"loting: invalid market {market}: ")
    assert any(c in err for c in offenders(json.loads(market.read_bytes())))
    if existing:
        assert result.read_bytes() == earlier, "an existing result file is left as it was"
        assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
    else:
        assert list(tmp_path.iterdir()) == [], "nothing is written for an invalid market"


def test_the_loting_console_script_solves_and_verifies_from_the_repository_root(tmp_path: Path) -> None:
    market = MARKETS[-1].relative_to(REPOSITORY)
    result = tmp_path / "result.json"

    solved = subprocess.run(
        [loting_script(), "solve", market, result], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )
    assert (solved.returncode, solved.stderr) == (0, "")
    assert result.read_bytes() == result_of(MARKETS[-1]).read_bytes()

    verified = subprocess.run(
        [loting_script(), "verify", market, result], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK:")


def test_the_loting_console_script_refuses_an_invalid_market_in_one_line(tmp_path: Path) -> None:
    market = (INVALID / "unknown-program.market.json").relative_to(REPOSITORY)
    result = tmp_path / "result.json"

    refused = subprocess.run(
        [loting_script(), "solve", market, result], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )

    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert any(c in refused.stderr for c in offenders(json.loads((REPOSITORY / market).read_bytes())))
    assert not result.exists()
