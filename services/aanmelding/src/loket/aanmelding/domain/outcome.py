"""Why a registration got its lottery outcome, from the seeded market and the result file alone, free of
any framework (the rules are loting-market/1's, docs/loting.md).

For every program the student ranked above the placement (every program, when unplaced) it says why no
seat: the program has none, or it was full and the last student admitted there ranked better, and by
which key: a seat held already (`guaranteed`), a higher priority, a lower lot number, or (twins sharing a
lot) the order of the ids. The last admitted student is described by priority and lot number only, never
by id. The student's lot number comes with its HMAC message and the seed, so that anyone recomputes it.

aanmelding does not solve the market again (it may not import loting): it reads the result and checks
that it explains itself: at every program above the placement the last admitted ranks better than the
student (else `Inconsistent`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.aanmelding.domain.procedure import Round

FIRST_CHOICE = "first-choice-da-stb"
MTB = "da-mtb"

HOW = (
    "Your lot number is the first 8 bytes, read as one big-endian number, of HMAC-SHA256 with the seed "
    "(64 hex characters, 32 bytes) as key and the message as text; a lower number goes first."
)
HOW_MTB = (
    "Each school has its own lot number: the first 8 bytes, read as one big-endian number, of HMAC-SHA256 "
    "with the seed (64 hex characters, 32 bytes) as key and that school's message as text; a lower number "
    "goes first."
)


class Reason(StrEnum):
    """Why no seat at a program ranked above the placement; stable codes a portal says in plain words."""

    NO_SEATS = "no_seats"  # the program has no seats at all
    NO_SEATS_LEFT = "no_seats_left"  # first-choice-da-stb, stage 2: stage 1 filled every seat
    FULL_GUARANTEED = "full_guaranteed"  # every seat went to students who already held one there
    FULL_PRIORITY = "full_priority"  # the last admitted had a higher priority there
    FULL_LOTTERY = "full_lottery"  # the same priority (or none counted), the last admitted a lower lot number
    FULL_SAME_LOT = "full_same_lot"  # the same priority and lot number (twins): the order of ids decided


class Inconsistent(ValueError):
    """The result does not follow from the market: it explains nothing."""


@dataclass(frozen=True)
class Standing:
    """A student's key at a program, in the order the program ranks: guaranteed, priority, lot number.
    `priority` is None where priorities did not count (stage 2 of first-choice-da-stb)."""

    guaranteed: bool
    priority: int | None
    lot_number: int


@dataclass(frozen=True)
class HigherChoice:
    program: str
    rank: int
    reason: Reason
    seats: int
    stage: int | None  # first-choice-da-stb: 1 (school lottery among first choices) or 2 (central); else None
    yours: Standing
    lot_message: str  # the HMAC message of `yours.lot_number`
    last_admitted: Standing | None  # None: nobody was admitted in the stage that decided


@dataclass(frozen=True)
class Lot:
    mechanism: str
    seed: str
    message: str | None  # None under da-mtb: one number per program, in `HigherChoice.lot_message`
    number: int | None
    group: bool  # shared with a twin (or triplets) who registered together
    how: str
    command: str | None  # a Python 3 one-liner that prints `number`


@dataclass(frozen=True)
class Outcome:
    student: str
    program: str | None
    rank: int | None
    higher: tuple[HigherChoice, ...]
    lot: Lot


def published(round_: Round, now: datetime) -> bool:
    """Parents see a round's lottery outcome from its publication moment on, not a second earlier."""
    return now >= round_.publication_at


def lot_number(seed: str, message: str) -> int:
    """H(msg): the first 8 bytes, big-endian, of HMAC-SHA256(seed bytes, msg as UTF-8)."""
    return int.from_bytes(hmac.digest(bytes.fromhex(seed), message.encode(), hashlib.sha256)[:8], "big")


def subject(student: dict[str, Any]) -> str:
    group = student.get("group")
    return f"group:{group}" if group is not None else f"student:{student['id']}"


def lot_message(mechanism: str, program: str, student: dict[str, Any]) -> str:
    if mechanism == MTB:
        return f"mtb|{program}|{subject(student)}"
    return f"stb|{subject(student)}"


def command(seed: str, message: str) -> str:
    return (
        'python3 -c "import hmac; print(int.from_bytes(hmac.digest('
        f"bytes.fromhex('{seed}'), '{message}'.encode(), 'sha256')[:8], 'big'))\""
    )


def explain(market: dict[str, Any], result: dict[str, Any], student_id: str) -> Outcome:
    """The student's outcome with the why of every program above it. KeyError: no such student in the
    market or the result; Inconsistent: the result does not belong to the market or does not hold."""
    if (result.get("mechanism"), result.get("seed")) != (market.get("mechanism"), market.get("seed")):
        raise Inconsistent("the result's mechanism or seed differ from the market's")
    return _Explainer(market, result).outcome(student_id)


class _Explainer:
    def __init__(self, market: dict[str, Any], result: dict[str, Any]) -> None:
        self.mechanism: str = market["mechanism"]
        self.seed: str = market["seed"]
        self.capacity: dict[str, int] = {program["id"]: program["capacity"] for program in market["programs"]}
        self.students: dict[str, dict[str, Any]] = {student["id"]: student for student in market["students"]}
        self.assigned: dict[str, tuple[str | None, int | None]] = {
            entry["student"]: (entry["program"], entry["rank"]) for entry in result["assignments"]
        }
        self.admitted: dict[str, list[str]] = {}
        for student, (program, _) in self.assigned.items():
            if program is not None:
                self.admitted.setdefault(program, []).append(student)

    def outcome(self, student_id: str) -> Outcome:
        student = self.students[student_id]
        program, rank = self.assigned[student_id]
        preferences: list[str] = list(student["preferences"])
        if student.get("guaranteed") in preferences:  # everything after a seat already held is ignored
            preferences = preferences[: preferences.index(student["guaranteed"]) + 1]
        above = preferences if rank is None else preferences[: rank - 1]
        higher = tuple(self._higher(student, p, index + 1) for index, p in enumerate(above))
        return Outcome(student_id, program, rank, higher, self._lot(student))

    def _lot(self, student: dict[str, Any]) -> Lot:
        group = student.get("group") is not None
        if self.mechanism == MTB:
            return Lot(self.mechanism, self.seed, None, None, group, HOW_MTB, None)
        message = lot_message(self.mechanism, "", student)
        number = lot_number(self.seed, message)
        return Lot(self.mechanism, self.seed, message, number, group, HOW, command(self.seed, message))

    def _higher(self, student: dict[str, Any], program: str, rank: int) -> HigherChoice:
        seats = self.capacity[program]
        stage, use_priority, rivals = None, True, self.admitted.get(program, [])
        if self.mechanism == FIRST_CHOICE:
            first = [s for s in rivals if self.assigned[s][1] == 1]  # a first choice is only won in stage 1
            stage, use_priority = (1, True) if rank == 1 else (2, False)
            rivals = first if stage == 1 else [s for s in rivals if self.assigned[s][1] != 1]
            left = seats if stage == 1 else seats - len(first)  # stage 2 has the seats stage 1 left
        else:
            left = seats
        yours = self._standing(student, program, use_priority)
        message = lot_message(self.mechanism, program, student)

        def choice(reason: Reason, last: Standing | None = None) -> HigherChoice:
            return HigherChoice(program, rank, reason, seats, stage, yours, message, last)

        if seats == 0:
            return choice(Reason.NO_SEATS)
        if left <= 0:  # only in stage 2: the school lottery filled it
            return choice(Reason.NO_SEATS_LEFT)
        if len(rivals) < left:
            raise Inconsistent(f"{program} had a seat left, yet {student['id']} (choice {rank}) is not there")
        keys = {rival: self._key(self.students[rival], program, use_priority) for rival in rivals}
        last_id = max(keys, key=keys.__getitem__)
        last, mine = keys[last_id], self._key(student, program, use_priority)
        if not last < mine:
            raise Inconsistent(f"at {program} the last admitted ranks after {student['id']} (choice {rank})")
        reason = (
            Reason.FULL_GUARANTEED
            if last[0] < mine[0]
            else Reason.FULL_PRIORITY
            if last[1] < mine[1]
            else Reason.FULL_LOTTERY
            if last[2] < mine[2]
            else Reason.FULL_SAME_LOT
        )
        return choice(reason, self._standing(self.students[last_id], program, use_priority))

    def _standing(self, student: dict[str, Any], program: str, use_priority: bool) -> Standing:
        guaranteed, priority, number, _ = self._key(student, program, use_priority)
        return Standing(guaranteed == 0, -priority if use_priority else None, number)

    def _key(self, student: dict[str, Any], program: str, use_priority: bool) -> tuple[int, int, int, str]:
        """loting-market/1's ranking at `program`, ascending: seat held, minus priority, lot number, id."""
        priority = student.get("priorities", {}).get(program, 0) if use_priority else 0
        number = lot_number(self.seed, lot_message(self.mechanism, program, student))
        return (0 if student.get("guaranteed") == program else 1, -priority, number, student["id"])
