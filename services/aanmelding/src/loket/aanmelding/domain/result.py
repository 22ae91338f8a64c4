"""Checking a lottery's result before it is applied, free of any framework: the seeded market must be the
market the region took (its commitment plus a seed), the result must name that market's SHA-256, and
every assignment must be one the market allows. aanmelding does not solve the market again (it may not import
loting; the ceremony solved it): here the chain of hashes, the choices and the seats are checked, and
both files are kept, so that anyone can hold them against `loting verify` afterwards.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from loket.aanmelding.domain.registration import Problem
from loket.contracts.errors import Invalid

RESULT_FORMAT = "loting-result/1"


def canonical(document: dict[str, Any]) -> str:
    """loting-market/1's canonical JSON: keys sorted, no spaces, non-ASCII as itself, one newline."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Assignment:
    student: str
    program: str | None
    rank: int | None


def checked_assignments(commitment: str, market_text: str, result_text: str) -> list[Assignment]:
    """The result's assignments, once the market and the result are shown to belong to `commitment`."""
    market, result = _json("market", market_text), _json("result", result_text)
    taken = json.loads(commitment)
    if not isinstance(market.get("seed"), str):
        raise Invalid(
            [
                Problem(
                    "market.seed", "the market has no seed: send the market as loting served it", "market_seed_missing"
                )
            ]
        )
    if {key: value for key, value in market.items() if key != "seed"} != taken:
        raise Invalid(
            [Problem("market", "is not the market taken for this lottery (with a seed added)", "market_not_taken")]
        )
    if result.get("format") != RESULT_FORMAT:
        raise Invalid(
            [
                Problem(
                    "result.format", f"should be {RESULT_FORMAT!r}", "result_format_unknown", {"format": RESULT_FORMAT}
                )
            ]
        )
    if result.get("market_sha256") != sha256(market_text):
        raise Invalid(
            [
                Problem(
                    "result.market_sha256",
                    "is not the SHA-256 of this market file's exact bytes",
                    "market_sha256_mismatch",
                )
            ]
        )
    if (result.get("mechanism"), result.get("seed")) != (market["mechanism"], market["seed"]):
        raise Invalid([Problem("result", "its mechanism or seed differ from the market's", "seed_mismatch")])
    preferences = {student["id"]: student["preferences"] for student in market["students"]}
    assignments, problems = [], []
    for index, entry in enumerate(result.get("assignments", [])):
        student, program, rank = entry.get("student"), entry.get("program"), entry.get("rank")
        wanted = preferences.get(student)
        if wanted is None:
            problems.append(
                Problem(
                    f"result.assignments[{index}].student",
                    f"{student!r} is not in the market",
                    "student_unknown",
                    {"student": student},
                )
            )
        elif program is None and rank is None:
            assignments.append(Assignment(student, None, None))
        elif not isinstance(rank, int) or not 1 <= rank <= len(wanted) or wanted[rank - 1] != program:
            problems.append(
                Problem(
                    f"result.assignments[{index}]",
                    f"{program!r} is not choice {rank} of {student}",
                    "not_a_choice",
                    {"program": program, "rank": rank, "student": student},
                )
            )
        else:
            assignments.append(Assignment(student, program, rank))
    if not problems and {assignment.student for assignment in assignments} != set(preferences):
        problems.append(
            Problem("result.assignments", "do not name every student of the market exactly once", "students_not_once")
        )
    capacity = {program["id"]: program["capacity"] for program in market["programs"]}
    for program, seats in capacity.items():
        taken = sum(1 for assignment in assignments if assignment.program == program)
        if taken > seats:
            problems.append(
                Problem(
                    "result.assignments",
                    f"{taken} students at {program}, which has {seats} seats",
                    "over_capacity",
                    {"program": program, "count": taken, "seats": seats},
                )
            )
    if problems:
        raise Invalid([*problems])
    return assignments


def _json(what: str, text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid([Problem(what, f"is not JSON: {exc}", "not_json")]) from None
    if not isinstance(document, dict):
        raise Invalid([Problem(what, "is not a JSON object", "not_json_object")])
    return document
