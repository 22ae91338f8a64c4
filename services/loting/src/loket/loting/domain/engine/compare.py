"""How two result files differ, said briefly enough for a terminal."""

import json
from typing import Any

EXAMPLES = 5


def differences(derived: bytes, published: bytes) -> list[str]:
    try:
        theirs = json.loads(published)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [f"the result file is not valid JSON ({exc})"]
    ours = json.loads(derived)
    if not isinstance(theirs, dict):
        return ["the result file is not a JSON object"]
    lines = [
        f"{key}: expected {json.dumps(ours[key])}, found {json.dumps(theirs.get(key))}"
        for key in ("format", "market_sha256", "mechanism", "seed")
        if theirs.get(key) != ours[key]
    ]
    mine = {a["student"]: a for a in ours["assignments"]}
    found = _assignments(theirs.get("assignments"))
    differing = sorted(s for s in mine.keys() | found.keys() if mine.get(s) != found.get(s))
    if differing:
        lines.append(f"{len(differing)} of {len(mine)} assignments differ, for example:")
        lines.extend(f"  {s}: expected {_show(mine.get(s))}, found {_show(found.get(s))}" for s in differing[:EXAMPLES])
    if not lines:
        lines.append("same content, but not in canonical form (keys sorted, no spaces, one newline at the end)")
    return lines


def _assignments(value: Any) -> dict[str, Any]:
    if not isinstance(value, list):
        return {}
    return {a["student"]: a for a in value if isinstance(a, dict) and isinstance(a.get("student"), str)}


def _show(assignment: dict[str, Any] | None) -> str:
    if assignment is None:
        return "no assignment"
    if assignment.get("program") is None:
        return "unassigned"
    return f"{assignment['program']} (choice {assignment.get('rank')})"
