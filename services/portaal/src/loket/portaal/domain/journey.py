"""Where a parent's registration stands and what to do now, from what aanmelding answers: the task list
of the pages, free of any framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Amstelland's form asks for the wish to stay at the first choice in an equivalent department
EQUIVALENT_WISH_REGIONS = frozenset({"amstelland"})
TASKS = (
    ("child", "pupil_checked"),
    ("contact", "contact_checked"),
    ("choices", "preferences"),
    ("check", "signed"),
)


@dataclass(frozen=True)
class Task:
    name: str
    done: bool
    can_start: bool


@dataclass(frozen=True)
class Standing:
    """What the home page says: the phase, the task list, and the one thing to do next."""

    phase: str  # waiting_for_advice, not_started, in_progress, submitted, forwarded, closed, result, unknown
    tasks: tuple[Task, ...]
    next_task: str | None


def tasks_of(steps: dict[str, bool]) -> tuple[Task, ...]:
    """Each step can be taken once the ones before it are done; a step done stays open to change."""
    tasks, before_done = [], True
    for name, step in TASKS:
        done = bool(steps.get(step))
        tasks.append(Task(name, done, before_done))
        before_done = before_done and done
    return tuple(tasks)


def standing(view: dict[str, Any], window_open: bool) -> Standing:
    current = view.get("current")
    if view.get("readiness") == "waiting_for_advice":
        return Standing("waiting_for_advice", (), None)
    if current is None:
        can_start = view.get("can_start", window_open)
        return Standing("not_started" if can_start and window_open else "closed", (), None)
    if (current.get("placement") or None) is not None:
        return Standing("result", (), None)
    state = current.get("state")
    if state in ("submitted", "forwarded"):
        return Standing(state, (), None)
    tasks = tasks_of(current.get("steps") or {})
    upcoming = next((task.name for task in tasks if not task.done), None)
    return Standing("in_progress" if window_open else "closed", tasks, upcoming)


def window_open(rounds: list[dict[str, Any]], round_code: str | None, now: datetime) -> bool:
    """Whether the registration window of the round (or of any round, if none given) is open now."""
    for round_ in rounds:
        if round_code and round_["code"] != round_code:
            continue
        window = round_["registration"]
        if datetime.fromisoformat(window["opens"]) <= now < datetime.fromisoformat(window["closes"]):
            return True
    return False


def open_round(rounds: list[dict[str, Any]], now: datetime) -> dict[str, Any] | None:
    """The round whose registration is open now, else the next one to open."""
    upcoming = None
    for round_ in rounds:
        window = round_["registration"]
        opens, closes = datetime.fromisoformat(window["opens"]), datetime.fromisoformat(window["closes"])
        if opens <= now < closes:
            return round_
        if now < opens and (upcoming is None or opens < datetime.fromisoformat(upcoming["registration"]["opens"])):
            upcoming = round_
    return upcoming


def chosen_programs(form_values: list[str]) -> list[str]:
    """The programs of the ranking form in order: empty places are skipped, a program only once."""
    chosen: list[str] = []
    for value in form_values:
        value = value.strip()
        if value and value not in chosen:
            chosen.append(value)
    return chosen


def preferences_body(current: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The whole list as aanmelding takes it (PUT …/preferences), from the registration as recorded, with the
    page's changes. A priority stays only while it is at the first choice."""
    body: dict[str, Any] = {
        "programs": [choice["program"] for choice in current.get("preferences") or []],
        "priority": current.get("priority") or {},
        "equivalent_program_wish": bool(current.get("equivalent_program_wish")),
        "multiple_birth": current.get("multiple_birth") or {},
        "outside_region": current.get("outside_region"),
    }
    body.update(changes)
    priority = body["priority"] or {}
    if priority.get("kind") and body["programs"] and priority.get("at") != body["programs"][0]:
        body["priority"] = {}
    if not body["programs"]:
        body["equivalent_program_wish"] = False
    return body


def earlier_round(view: dict[str, Any]) -> dict[str, Any] | None:
    """With no registration in the round open now: the earlier round's registration that ended without a
    place (the lottery left the pupil out, or a school ended it), which the home page explains."""
    if view.get("current") is not None:
        return None
    return next(
        (
            earlier
            for earlier in view.get("history") or []
            if earlier.get("outcome") in ("not_placed", "ended_by_school")
        ),
        None,
    )
