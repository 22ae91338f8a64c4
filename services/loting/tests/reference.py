"""A reference implementation of `loting-market/1`, written to be read next to the spec, not to be fast.

It is the oracle the engine is tested against, so it shares no code with it: plain dicts and lists,
`hmac` called directly for every tie-break number, the ranking tuple exactly as the spec writes it,
and one-at-a-time Gale-Shapley (one student proposes, the program keeps a sorted list of the students
it holds and lets go of the worst when it is over capacity). It assumes a valid market: checking
markets is the engine's job, and `test_vectors.py` checks that separately.
"""

import bisect
import hashlib
import hmac
import json
from collections import deque
from typing import Any

Market = dict[str, Any]
RankKey = tuple[int, int, int, str]


def number(seed_hex: str, message: str) -> int:
    """H(msg): the first 8 bytes of HMAC-SHA256(seed, msg), big-endian."""
    digest = hmac.new(bytes.fromhex(seed_hex), message.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def subject(student: dict[str, Any]) -> str:
    if "group" in student:
        return f"group:{student['group']}"
    return f"student:{student['id']}"


def tiebreak(market: Market, student: dict[str, Any], program: str, multiple: bool) -> int:
    """t(s) under a single tie-break, t(s, p) under a multiple one."""
    if multiple:
        return number(market["seed"], f"mtb|{program}|{subject(student)}")
    return number(market["seed"], f"stb|{subject(student)}")


def rank_key(
    market: Market, student: dict[str, Any], program: str, *, multiple: bool = False, priorities: bool = True
) -> RankKey:
    """The spec's ranking tuple of `student` at `program`; smaller ranks first."""
    guaranteed = 0 if student.get("guaranteed") == program else 1
    priority = student.get("priorities", {}).get(program, 0) if priorities else 0
    return (guaranteed, -priority, tiebreak(market, student, program, multiple), student["id"])


def effective_preferences(student: dict[str, Any]) -> list[str]:
    """The student's list with everything after a `guaranteed` program ignored."""
    preferences: list[str] = list(student["preferences"])
    if "guaranteed" in student:
        return preferences[: preferences.index(student["guaranteed"]) + 1]
    return preferences


def gale_shapley(
    lists: dict[str, list[str]],
    capacity: dict[str, int],
    key: Any,
) -> dict[str, str]:
    """Student-proposing deferred acceptance, one proposal at a time.

    `lists`: student id -> programs in order of preference; `key(student_id, program)` the ranking
    tuple at that program. Returns student id -> program for the students who end up placed.
    """
    held: dict[str, list[tuple[RankKey, str]]] = {p: [] for p in capacity}
    next_choice = dict.fromkeys(lists, 0)
    free = deque(sorted(lists))
    while free:
        student = free.popleft()
        if next_choice[student] >= len(lists[student]):
            continue  # went through the whole list: stays unplaced
        program = lists[student][next_choice[student]]
        next_choice[student] += 1
        bisect.insort(held[program], (key(student, program), student))
        if len(held[program]) > capacity[program]:
            _, rejected = held[program].pop()  # the worst-ranked student it holds
            free.append(rejected)
    return {student: program for program, students in held.items() for _, student in students}


def deferred_acceptance(market: Market, *, multiple: bool) -> dict[str, str]:
    students = {s["id"]: s for s in market["students"]}
    capacity = {p["id"]: p["capacity"] for p in market["programs"]}
    lists = {s["id"]: effective_preferences(s) for s in market["students"]}
    return gale_shapley(lists, capacity, lambda s, p: rank_key(market, students[s], p, multiple=multiple))


def first_choice(market: Market) -> dict[str, str]:
    """Stage 1: each program admits the best `capacity` of those who put it first (with priorities).
    Stage 2: da-stb for the rest over their lists without the first choice, seats left, no priorities."""
    students = {s["id"]: s for s in market["students"]}
    capacity = {p["id"]: p["capacity"] for p in market["programs"]}
    placed: dict[str, str] = {}
    for program, seats in capacity.items():
        applicants = [s for s in market["students"] if s["preferences"][:1] == [program]]
        applicants.sort(key=lambda s: rank_key(market, s, program))
        for s in applicants[:seats]:
            placed[s["id"]] = program

    left = {p: seats - sum(1 for q in placed.values() if q == p) for p, seats in capacity.items()}
    lists = {s["id"]: s["preferences"][1:] for s in market["students"] if s["id"] not in placed}
    stage2 = gale_shapley(lists, left, lambda s, p: rank_key(market, students[s], p, priorities=False))
    return placed | stage2


def assignments(market: Market) -> list[dict[str, Any]]:
    """The result file's `assignments`: sorted by student id, program and 1-based rank or null."""
    if market["mechanism"] == "first-choice-da-stb":
        placed = first_choice(market)
    else:
        placed = deferred_acceptance(market, multiple=market["mechanism"] == "da-mtb")
    rows = []
    for student in sorted(market["students"], key=lambda s: s["id"]):
        program = placed.get(student["id"])
        rank = student["preferences"].index(program) + 1 if program is not None else None
        rows.append({"student": student["id"], "program": program, "rank": rank})
    return rows


def result_bytes(market_bytes: bytes) -> bytes:
    """The canonical result file of a (valid) market file, from its exact bytes."""
    market = json.loads(market_bytes)
    document = {
        "format": "loting-result/1",
        "market_sha256": hashlib.sha256(market_bytes).hexdigest(),
        "mechanism": market["mechanism"],
        "seed": market["seed"],
        "assignments": assignments(market),
    }
    return (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
