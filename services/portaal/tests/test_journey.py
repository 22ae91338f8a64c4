"""Where a registration stands, from what aanmelding answers: the task list and the list as it is sent."""

from datetime import UTC, datetime, timedelta

from loket.portaal.domain.journey import (
    chosen_programs,
    open_round,
    preferences_body,
    standing,
    tasks_of,
    window_open,
)

NOW = datetime(2027, 3, 25, 12, tzinfo=UTC)


def round_(code: str, opens: timedelta, closes: timedelta) -> dict[str, object]:
    return {"code": code, "registration": {"opens": (NOW + opens).isoformat(), "closes": (NOW + closes).isoformat()}}


def test_each_step_opens_when_the_ones_before_it_are_done():
    tasks = tasks_of({"pupil_checked": True, "contact_checked": False, "preferences": False, "signed": False})
    assert [(task.name, task.done, task.can_start) for task in tasks] == [
        ("child", True, True),
        ("contact", False, True),
        ("choices", False, False),
        ("check", False, False),
    ]


def test_the_phase_follows_the_registration():
    assert standing({"readiness": "waiting_for_advice", "current": None}, True).phase == "waiting_for_advice"
    assert standing({"readiness": "open", "current": None}, True).phase == "not_started"
    assert standing({"readiness": "open", "current": None}, False).phase == "closed"
    begun = {"state": "in_progress", "steps": {"pupil_checked": True}, "placement": None}
    seen = standing({"readiness": "open", "current": begun}, True)
    assert seen.phase == "in_progress" and seen.next_task == "contact"
    assert standing({"readiness": "open", "current": {**begun, "state": "submitted"}}, True).phase == "submitted"
    placed = {**begun, "state": "submitted", "placement": {"program": "X"}}
    assert standing({"readiness": "open", "current": placed}, False).phase == "result"


def test_the_window_of_a_round_and_the_round_open_now():
    rounds = [
        round_("ronde-1", -timedelta(days=2), -timedelta(days=1)),
        round_("ronde-2", timedelta(days=1), timedelta(days=3)),
    ]
    assert not window_open(rounds, "ronde-1", NOW)
    assert not window_open(rounds, None, NOW)
    assert open_round(rounds, NOW)["code"] == "ronde-2"  # the next one to open
    assert window_open(rounds, "ronde-2", NOW + timedelta(days=2))


def test_the_ranking_form_skips_empty_places_and_repeats():
    assert chosen_programs(["A", "", "B", "A", " C "]) == ["A", "B", "C"]


def test_a_priority_goes_when_its_program_is_no_longer_the_first_choice():
    current = {
        "preferences": [{"program": "A"}, {"program": "B"}],
        "priority": {"kind": "sibling", "at": "A", "sibling_name": "Ali", "sibling_class": "2b"},
        "equivalent_program_wish": True,
        "multiple_birth": {"is_multiple": False},
        "outside_region": None,
    }
    assert preferences_body(current)["priority"]["at"] == "A"
    moved = preferences_body(current, programs=["B", "A"])
    assert moved["priority"] == {} and moved["programs"] == ["B", "A"] and moved["equivalent_program_wish"]
    assert preferences_body(current, programs=[])["equivalent_program_wish"] is False
