"""`loting explain` and `loting verify`, read the way a parent's lawyer would use them."""

import hmac
import json
import re
import shutil
from pathlib import Path

import pytest

from loket.loting.__main__ import loting as main

VECTORS = Path(__file__).parent / "vectors"


def vector(name: str) -> tuple[Path, Path]:
    return VECTORS / f"{name}.market.json", VECTORS / f"{name}.result.json"


def assignment(result: Path, student: str) -> dict[str, object]:
    return next(a for a in json.loads(result.read_bytes())["assignments"] if a["student"] == student)


def explanation(capsys: pytest.CaptureFixture[str], name: str, student: str, lang: str = "nl") -> str:
    market, result = vector(name)
    assert main(["explain", str(market), str(result), student, "--lang", lang]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("student", ["E0000005", "E0000008"], ids=["unplaced", "third-choice"])
def test_a_student_hears_who_held_the_last_seat_at_each_school_they_ranked_higher(
    capsys: pytest.CaptureFixture[str], student: str
) -> None:
    text = explanation(capsys, "01-da-stb-small", student)
    _, result = vector("01-da-stb-small")
    outcome = assignment(result, student)
    market = json.loads(vector("01-da-stb-small")[0].read_bytes())
    preferences = next(s for s in market["students"] if s["id"] == student)["preferences"]
    rank = outcome["rank"]
    above = preferences if rank is None else preferences[: int(str(rank)) - 1]

    assert above
    for program in above:
        assert re.search(rf"^\d+\. {program}:$", text, re.MULTILINE)
    assert text.count("de laatste plaats ging naar") == len(above)
    assert text.count("later in de rij, dus geen plaats") == len(above)


def test_the_lot_number_shown_is_the_one_the_spec_defines_and_the_command_recomputes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = explanation(capsys, "01-da-stb-small", "E0000009")
    seed = json.loads(vector("01-da-stb-small")[0].read_bytes())["seed"]
    expected = int.from_bytes(hmac.digest(bytes.fromhex(seed), b"stb|student:E0000009", "sha256")[:8], "big")

    assert f"Lotnummer: {expected} " in text
    command = re.search(r'python3 -c "(.*)"$', text, re.MULTILINE)
    assert command is not None
    assert str(eval(command.group(1).removeprefix("import hmac; print(").removesuffix(")"))) == str(expected)  # noqa: S307


def test_twins_are_told_they_share_their_lot(capsys: pytest.CaptureFixture[str]) -> None:
    market = json.loads(vector("04-twins")[0].read_bytes())
    twin = next(s for s in market["students"] if "group" in s)

    text = explanation(capsys, "04-twins", twin["id"])

    assert f"groep {twin['group']}" in text
    assert f"group:{twin['group']}" in text


def test_english_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    text = explanation(capsys, "07-da-mtb", "E0000003", lang="en")

    assert text.startswith("Student E0000003:")
    assert "Lot number at this school:" in text
    assert "Leerling" not in text


def test_first_choice_explains_both_stages(capsys: pytest.CaptureFixture[str]) -> None:
    text = explanation(capsys, "08-first-choice", "E0000003", lang="en")

    assert "Stage 1 (school lottery" in text
    assert "Stage 2 (central lottery" in text


def test_explain_refuses_a_result_that_is_not_the_markets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    market, _ = vector("02-capacity-zero")
    _, other = vector("01-da-stb-small")

    assert main(["explain", str(market), str(other), "E0000001"]) == 2
    assert "not the result of this market" in capsys.readouterr().err


def test_explain_names_an_unknown_student(capsys: pytest.CaptureFixture[str]) -> None:
    market, result = vector("02-capacity-zero")

    assert main(["explain", str(market), str(result), "E9999999"]) == 2
    assert "student E9999999 is not in" in capsys.readouterr().err


def test_verify_accepts_the_published_result(capsys: pytest.CaptureFixture[str]) -> None:
    market, result = vector("09-da-stb-medium")

    assert main(["verify", str(market), str(result)]) == 0
    assert "byte for byte" in capsys.readouterr().out


def test_verify_counts_the_assignments_that_differ_and_shows_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market, result = vector("09-da-stb-medium")
    document = json.loads(result.read_bytes())
    placed = [a for a in document["assignments"] if a["program"] is not None]
    placed[0]["program"], placed[1]["program"] = "P9999", "P9998"
    tampered = tmp_path / "result.json"
    tampered.write_text(json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n")

    assert main(["verify", str(market), str(tampered)]) == 1
    err = capsys.readouterr().err
    assert f"2 of {len(document['assignments'])} assignments differ" in err
    assert placed[0]["student"] in err and "found P9999" in err


def test_verify_notices_a_result_that_differs_only_in_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    market, result = vector("01-da-stb-small")
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads(result.read_bytes()), indent=1))

    assert main(["verify", str(market), str(pretty)]) == 1
    assert "not in canonical form" in capsys.readouterr().err


def test_solve_writes_nothing_and_keeps_an_existing_file_when_the_market_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = VECTORS / "invalid" / "unknown-program.market.json"
    result = tmp_path / "result.json"
    shutil.copy(vector("01-da-stb-small")[1], result)
    before = result.read_bytes()

    assert main(["solve", str(market), str(result)]) == 2
    assert result.read_bytes() == before
    assert list(tmp_path.iterdir()) == [result]
    assert "E0000002" in capsys.readouterr().err
