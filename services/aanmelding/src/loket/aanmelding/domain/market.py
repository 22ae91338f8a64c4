"""A round's lottery market (`loting-market/1`, without its seed) built from the registrations that reached
their school of first choice, free of any framework. loting commits it, seeds it in the ceremony and
solves it; anyone can re-run it.

- programs: every program of the procedure with its seats as capacity;
- students: one per registration, by the registration's id (pseudonymous: no name, no ELK number), with
  its preferences in order;
- a priority the school of first choice granted counts 1 there; a claim not (yet) granted counts 0;
- under `da-stb` (Amsterdam) the wish to stay at the first-choice school in an equivalent department
  adds that school's other fitting programs right after the first choice with priority -1: a seat there
  only if one is left. Under `first-choice-da-stb` the central stage ignores priorities, so the wish
  cannot be expressed in the market and the school handles it after its school lottery;
- twins (or a multiple birth) who register together at the same school of first choice share one lot
  number: one `group`, named after the smallest student id among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loket.aanmelding.domain.procedure import Mechanism, Procedure, Round

FORMAT = "loting-market/1"
GRANTED_PRIORITY = 1
ONLY_IF_A_SEAT_IS_LEFT = -1


@dataclass(frozen=True)
class Entry:
    """What the market needs of one registration."""

    student: str
    advice: str
    preferences: tuple[str, ...]
    priority_granted: bool
    equivalent_program_wish: bool
    group: str | None = None


@dataclass(frozen=True)
class Together:
    """A registration whose parent answered the twins question with "we register together"."""

    student: str
    elk_number: str | None  # the pupil's own
    names: str  # the ELK number of the brother or sister
    first_school: str  # BRIN of the school of first choice


def lot_groups(together: Iterable[Together]) -> dict[str, str]:
    """Each student's shared-lot group. Two registrations belong together when one names the other's ELK
    number and both chose the same school first; a triplet is linked through any of its names. A name
    that matches no registration (a twin who registers elsewhere) links nothing: that pupil draws a lot
    of their own. A number that is nobody's is refused when the parent gives it (`registrations.py`)."""
    together = list(together)
    by_elk = {entry.elk_number: entry for entry in together if entry.elk_number}
    parent = {entry.student: entry.student for entry in together}

    def root(student: str) -> str:
        while parent[student] != student:
            parent[student] = parent[parent[student]]
            student = parent[student]
        return student

    for entry in together:
        named = by_elk.get(entry.names)
        if named is not None and named.student != entry.student and named.first_school == entry.first_school:
            low, high = sorted((root(entry.student), root(named.student)))
            parent[high] = low
    members: dict[str, list[str]] = {}
    for entry in together:
        members.setdefault(root(entry.student), []).append(entry.student)
    return {student: f"lot-{min(group)}" for group in members.values() if len(group) > 1 for student in group}


def market(procedure: Procedure, round_: Round, entries: Iterable[Entry]) -> dict[str, Any]:
    students = [_student(procedure, round_, entry) for entry in sorted(entries, key=lambda entry: entry.student)]
    return {
        "format": FORMAT,
        "mechanism": str(round_.mechanism),
        "programs": [
            {"id": program.code, "capacity": program.seats}
            for school in procedure.schools
            for program in school.programs
        ],
        "students": students,
    }


def _student(procedure: Procedure, round_: Round, entry: Entry) -> dict[str, Any]:
    preferences = list(entry.preferences)
    priorities: dict[str, int] = {}
    if entry.priority_granted and preferences:
        priorities[preferences[0]] = GRANTED_PRIORITY
    if entry.equivalent_program_wish and preferences and round_.mechanism == Mechanism.DA_STB:
        first_school = procedure.programs()[preferences[0]][0]
        equivalent = [
            program.code
            for school, program in procedure.fitting(entry.advice)
            if school.brin == first_school.brin and program.code not in preferences
        ]
        preferences[1:1] = equivalent
        priorities.update(dict.fromkeys(equivalent, ONLY_IF_A_SEAT_IS_LEFT))
    student: dict[str, Any] = {"id": entry.student, "preferences": preferences}
    if priorities:
        student["priorities"] = priorities
    if entry.group is not None:
        student["group"] = entry.group
    return student
