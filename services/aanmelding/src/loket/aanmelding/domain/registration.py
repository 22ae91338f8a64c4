"""A parent's registration (aanmelding), free of any framework: the steps of the seeds — check the pupil's
details, check the contact details, rank the programs with the claims that belong to the first choice,
sign, submit — and what the region's procedure allows at each of them.

A registration is *in progress* (AG) until the parent submits it (AV). In Zaanstad the list goes to the
primary school, which forwards it (*forwarded*); elsewhere it goes straight to the school of first
choice. During the registration window a parent may withdraw a submitted registration and register
again; the withdrawn one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import PriorityKind, Procedure, ProgramKind, Round, Submission
from loket.contracts.errors import NotNow, Where

TIME = "%d-%m-%Y %H:%M"


class RegistrationState(StrEnum):
    IN_PROGRESS = "in_progress"  # AG: started, not submitted
    SUBMITTED = "submitted"  # AV: the parent made it final
    FORWARDED = "forwarded"  # Zaanstad: the primary school made it final at the secondary school
    WITHDRAWN = "withdrawn"  # by the parents during the window, or by the school
    VOIDED = "voided"  # the school cannot place the pupil for support needs: the pupil may register elsewhere


ACTIVE = (RegistrationState.IN_PROGRESS, RegistrationState.SUBMITTED, RegistrationState.FORWARDED)


class RegistrationOutcome(StrEnum):
    """How a registration ended for the pupil; none while it can still change."""

    PLACED = "placed"  # the round's lottery placed the pupil (from the publication moment on), or the school did
    NOT_PLACED = "not_placed"  # the round's lottery left the pupil out: the next round is open to the pupil
    NOT_SUBMITTED = "not_submitted"  # its round closed before it reached a school
    WITHDRAWN = "withdrawn"  # by the parents, during the window
    ENDED_BY_SCHOOL = "ended_by_school"  # the secondary school withdrew or voided it


def registration_outcome(
    round_: Round,
    submission: Submission,
    state: RegistrationState,
    *,
    ended_by_school: bool,
    placed_by_school: bool,
    lottery_placed: bool | None,
    now: datetime,
) -> RegistrationOutcome | None:
    """The outcome of a registration of `round_` at `now`. `lottery_placed`: whether the round's newest
    applied lottery placed it; None when no applied lottery holds it. A lottery's outcome counts from the
    round's publication moment on, for everyone at once."""
    if state == RegistrationState.VOIDED or (state == RegistrationState.WITHDRAWN and ended_by_school):
        return RegistrationOutcome.ENDED_BY_SCHOOL
    if state == RegistrationState.WITHDRAWN:
        return RegistrationOutcome.WITHDRAWN
    if placed_by_school:
        return RegistrationOutcome.PLACED
    reached = state == RegistrationState.FORWARDED or (
        state == RegistrationState.SUBMITTED and submission == Submission.PARENT
    )
    if not reached:
        last = round_.forwarding.closes if round_.forwarding else round_.registration.closes
        return RegistrationOutcome.NOT_SUBMITTED if now >= last else None
    if lottery_placed is None or now < round_.publication_at:
        return None
    return RegistrationOutcome.PLACED if lottery_placed else RegistrationOutcome.NOT_PLACED


def still_counts(outcome: RegistrationOutcome | None) -> bool:
    """A registration still counts for the pupil, so that no later round's may begin: it can still change,
    or the pupil is placed."""
    return outcome is None or outcome == RegistrationOutcome.PLACED


class Step(StrEnum):
    PUPIL_CHECKED = "pupil_checked"
    CONTACT_CHECKED = "contact_checked"
    PREFERENCES = "preferences"
    SIGNED = "signed"


@dataclass(frozen=True)
class Problem(Where):
    """What is wrong and where, in the request's own terms (`preferences[2]`, `priority.at`): `what` in
    English, `code` a stable snake_case name a portal translates, with the values its sentence needs in
    `ctx` (numbers, names, codes). The portals read `ctx` on every problem, so it is there when empty too."""

    ctx: dict[str, Any] | None = field(default_factory=dict)

    def loc(self) -> list[str | int]:
        """`preferences[2]` → ["body", "preferences", 2], as FastAPI names a field in a 422."""
        parts = self.where.replace("[", ".").replace("]", "").split(".")
        return ["body", *(int(part) if part.isdigit() else part for part in parts)]


class StepsMissing(NotNow):
    """Submitted before every step is done; `ctx.missing` lists the steps still to take."""

    def __init__(self, missing: list[Step]) -> None:
        super().__init__(f"not every step is done yet: {', '.join(missing)}", code="steps_missing")
        self.ctx = {"missing": missing}  # not `missing=`: that is Conflict's checklist, another body


@dataclass(frozen=True)
class PriorityClaim:
    """A priority claimed at the first choice; `kind` None is the parent's "not applicable"."""

    kind: PriorityKind | None
    at: str | None = None  # the program it is claimed at; the first choice when unset
    sibling_name: str | None = None
    sibling_class: str | None = None


@dataclass(frozen=True)
class MultipleBirth:
    """The twins question at the first choice: is the pupil one of a multiple birth, and do they register
    at the school of first choice together (then they share one lot)."""

    is_multiple: bool
    sibling_elk_number: str | None = None
    registering_together: bool = False


@dataclass(frozen=True)
class PreferenceList:
    programs: tuple[str, ...]
    priority: PriorityClaim = field(default_factory=lambda: PriorityClaim(kind=None))
    equivalent_program_wish: bool = False  # at the first choice: stay there in an equivalent department
    multiple_birth: MultipleBirth = field(default_factory=lambda: MultipleBirth(is_multiple=False))
    outside_region: str | None = None  # a note of a registration outside the region (not a registration)


def open_round(procedure: Procedure, now: datetime) -> Round | None:
    """The round whose registration window holds `now`, if any."""
    return next((round_ for round_ in procedure.rounds if round_.registration.holds(now)), None)


def registration_round(procedure: Procedure, readiness: Readiness | None, now: datetime) -> Round:
    """The round a parent may register in now, or why not (NotNow)."""
    if readiness is None or readiness == Readiness.WAITING_FOR_ADVICE:
        raise NotNow(
            "registering is possible once the primary school has entered the final advice; "
            "ask the primary school when it will",
            code="waiting_for_advice",
        )
    if (round_ := open_round(procedure, now)) is not None:
        return round_
    upcoming = [round_ for round_ in procedure.rounds if now < round_.registration.opens]
    if upcoming:
        window = upcoming[0].registration
        raise NotNow(
            f"the registration of {upcoming[0].name} opens on {window.opens:{TIME}} and closes on "
            f"{window.closes:{TIME}}",
            code="window_not_open",
            round=upcoming[0].code,
            round_name=upcoming[0].name,
            opens=window.opens,
            closes=window.closes,
        )
    raise NotNow(
        "the registration windows of this procedure are over; ask the primary school what is possible",
        code="procedure_over",
    )


def check_preferences(procedure: Procedure, advice: str, choice: PreferenceList) -> list[Problem]:
    """Every way `choice` breaks the procedure for a pupil with `advice`; empty when it is right."""
    programs = procedure.programs()
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, code in enumerate(choice.programs):
        where = f"preferences[{index}]"
        if code not in programs:
            problems.append(
                Problem(where, f"{code!r} is not a program of this region", "program_unknown", {"program": code})
            )
            continue
        school, program = programs[code]
        named = {"program": code, "program_name": program.name, "school_name": school.name}
        if code in seen:
            problems.append(
                Problem(where, f"{program.name} at {school.name} is on the list twice", "program_twice", named)
            )
        seen.add(code)
        if (school, program) not in procedure.fitting(advice):
            problems.append(
                Problem(
                    where,
                    f"{program.name} at {school.name} does not fit the advice {advice}",
                    "program_not_fitting_advice",
                    {**named, "advice": advice},
                )
            )
    if problems:
        return problems
    return [*_length(procedure, advice, choice), *_first_choice_claims(procedure, choice)]


def _length(procedure: Procedure, advice: str, choice: PreferenceList) -> list[Problem]:
    programs = procedure.programs()
    chosen = [programs[code] for code in choice.programs]
    one_school = [program for _, program in chosen if program.kind != ProgramKind.REGULAR]
    if advice == "pro" or one_school:
        if len(chosen) != 1:
            what = "praktijkonderwijs and KOVO: choose one school, no ranking"
            return [Problem("preferences", what, "one_school_only", {"count": len(chosen)})]
        return []
    rule = procedure.length_rule(advice)
    low, high = procedure.required_length(advice)
    if rule is not None and rule.all_fitting:
        schools = [school.brin for school, _ in chosen]
        fitting = {school.brin: school.name for school, _ in procedure.fitting(advice)}
        missing = [name for brin, name in fitting.items() if brin not in schools]
        twice = sorted({brin for brin in schools if schools.count(brin) > 1})
        if twice:
            names = ", ".join(fitting.get(brin, brin) for brin in twice)
            return [
                Problem("preferences", f"rank each school once; twice: {names}", "school_twice", {"schools": names})
            ]
        if missing:
            names = ", ".join(missing)
            what = f"rank every school that fits the advice; missing: {names}"
            return [Problem("preferences", what, "schools_missing", {"schools": names, "advice": advice})]
        return []
    if len(chosen) < low or (high is not None and len(chosen) > high):
        wanted = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
        code = "list_too_short" if len(chosen) < low else "list_too_long"
        ctx = {"min": low, "max": high, "count": len(chosen), "advice": advice}
        return [Problem("preferences", f"the advice {advice} asks for {wanted} choices, not {len(chosen)}", code, ctx)]
    return []


def _first_choice_claims(procedure: Procedure, choice: PreferenceList) -> list[Problem]:
    programs = procedure.programs()
    first = choice.programs[0]
    school, program = programs[first]
    claim = choice.priority
    problems = []
    if claim.kind is not None:
        if claim.at is not None and claim.at != first:
            place = choice.programs.index(claim.at) + 1 if claim.at in choice.programs else None
            where = f"choice {place}" if place else "not on the list"
            problems.append(
                Problem(
                    "priority.at",
                    f"a priority can be claimed only at the first choice ({first}), not at {claim.at} ({where})",
                    "priority_not_at_first_choice",
                    {"first_choice": first, "at": claim.at, "place": place},
                )
            )
        elif claim.kind not in procedure.priorities_at(school):
            offered = ", ".join(procedure.priorities_at(school)) or "none"
            problems.append(
                Problem(
                    "priority.kind",
                    f"{school.name} offers no priority {claim.kind} (it offers: {offered})",
                    "priority_not_offered",
                    {
                        "kind": str(claim.kind),
                        "school_name": school.name,
                        "offered": list(procedure.priorities_at(school)),
                    },
                )
            )
        if claim.kind == PriorityKind.SIBLING and not (claim.sibling_name and claim.sibling_class):
            problems.append(
                Problem("priority.sibling_name", "give the brother's or sister's name and class", "sibling_missing")
            )
    if choice.multiple_birth.registering_together and not choice.multiple_birth.is_multiple:
        problems.append(
            Problem(
                "multiple_birth.registering_together",
                "only for one of twins or a multiple birth",
                "not_a_multiple_birth",
            )
        )
    if choice.multiple_birth.registering_together and not choice.multiple_birth.sibling_elk_number:
        problems.append(
            Problem(
                "multiple_birth.sibling_elk_number",
                "give the ELK number of the brother or sister",
                "sibling_elk_number_missing",
            )
        )
    if choice.equivalent_program_wish and program.kind != ProgramKind.REGULAR:
        problems.append(
            Problem(
                "equivalent_program_wish",
                f"{program.name} has no equivalent department",
                "no_equivalent_program",
                {"program": first, "program_name": program.name, "school_name": school.name},
            )
        )
    return problems


def missing_steps(done: dict[Step, bool]) -> list[Step]:
    return [step for step in Step if not done.get(step, False)]


def submission_goes_to(procedure: Procedure, first_choice: str) -> str:
    """Who receives a submitted list: the primary school (Zaanstad) or the school of first choice (BRIN)."""
    if procedure.submission == Submission.PRIMARY_SCHOOL:
        return "primary_school"
    return procedure.programs()[first_choice][0].brin
