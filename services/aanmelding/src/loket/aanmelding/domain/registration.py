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

from loket.aanmelding.domain.eligibility import Readiness
from loket.aanmelding.domain.procedure import PriorityKind, Procedure, ProgramKind, Round, Submission

TIME = "%d-%m-%Y %H:%M"


class RegistrationState(StrEnum):
    IN_PROGRESS = "in_progress"  # AG: started, not submitted
    SUBMITTED = "submitted"  # AV: the parent made it final
    FORWARDED = "forwarded"  # Zaanstad: the primary school made it final at the secondary school
    WITHDRAWN = "withdrawn"  # by the parents during the window, or by the school
    VOIDED = "voided"  # the school cannot place the pupil for support needs: the pupil may register elsewhere


ACTIVE = (RegistrationState.IN_PROGRESS, RegistrationState.SUBMITTED, RegistrationState.FORWARDED)


class Step(StrEnum):
    PUPIL_CHECKED = "pupil_checked"
    CONTACT_CHECKED = "contact_checked"
    PREFERENCES = "preferences"
    SIGNED = "signed"


@dataclass(frozen=True)
class Problem:
    """What is wrong and where, in the request's own terms (`preferences[2]`, `priority.at`)."""

    where: str
    what: str


class Refused(Exception):
    """The request breaks a rule of the procedure; nothing changed (HTTP 422)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{problem.where}: {problem.what}" for problem in problems))
        self.problems = problems


class NotNow(Exception):
    """The registration is not in a state, or not in a window, for this; nothing changed (HTTP 409)."""


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


def registration_round(procedure: Procedure, readiness: Readiness | None, now: datetime) -> Round:
    """The round a parent may register in now, or why not (NotNow)."""
    if readiness is None or readiness == Readiness.WAITING_FOR_ADVICE:
        raise NotNow(
            "registering is possible once the primary school has entered the final advice; "
            "ask the primary school when it will"
        )
    for round_ in procedure.rounds:
        if round_.registration.holds(now):
            return round_
    upcoming = [round_ for round_ in procedure.rounds if now < round_.registration.opens]
    if upcoming:
        window = upcoming[0].registration
        raise NotNow(
            f"the registration of {upcoming[0].name} opens on {window.opens:{TIME}} and closes on "
            f"{window.closes:{TIME}}"
        )
    raise NotNow("the registration windows of this procedure are over; ask the primary school what is possible")


def check_preferences(procedure: Procedure, advice: str, choice: PreferenceList) -> list[Problem]:
    """Every way `choice` breaks the procedure for a pupil with `advice`; empty when it is right."""
    programs = procedure.programs()
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, code in enumerate(choice.programs):
        where = f"preferences[{index}]"
        if code not in programs:
            problems.append(Problem(where, f"{code!r} is not a program of this region"))
            continue
        school, program = programs[code]
        if code in seen:
            problems.append(Problem(where, f"{program.name} at {school.name} is on the list twice"))
        seen.add(code)
        if (school, program) not in procedure.fitting(advice):
            problems.append(Problem(where, f"{program.name} at {school.name} does not fit the advice {advice}"))
    if problems:
        return problems
    return [*_length(procedure, advice, choice), *_first_choice_claims(procedure, choice)]


def _length(procedure: Procedure, advice: str, choice: PreferenceList) -> list[Problem]:
    programs = procedure.programs()
    chosen = [programs[code] for code in choice.programs]
    one_school = [program for _, program in chosen if program.kind != ProgramKind.REGULAR]
    if advice == "pro" or one_school:
        if len(chosen) != 1:
            return [Problem("preferences", "praktijkonderwijs and KOVO: choose one school, no ranking")]
        return []
    rule = procedure.length_rule(advice)
    low, high = procedure.required_length(advice)
    if rule is not None and rule.all_fitting:
        schools = [school.brin for school, _ in chosen]
        fitting = {school.brin: school.name for school, _ in procedure.fitting(advice)}
        missing = [name for brin, name in fitting.items() if brin not in schools]
        twice = sorted({brin for brin in schools if schools.count(brin) > 1})
        problems = [Problem("preferences", f"rank every school that fits the advice; missing: {', '.join(missing)}")]
        if twice:
            problems = [Problem("preferences", f"rank each school once; twice: {', '.join(twice)}")]
        return problems if missing or twice else []
    if len(chosen) < low or (high is not None and len(chosen) > high):
        wanted = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
        return [Problem("preferences", f"the advice {advice} asks for {wanted} choices, not {len(chosen)}")]
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
                )
            )
        elif claim.kind not in procedure.priorities_at(school):
            offered = ", ".join(procedure.priorities_at(school)) or "none"
            problems.append(
                Problem("priority.kind", f"{school.name} offers no priority {claim.kind} (it offers: {offered})")
            )
        if claim.kind == PriorityKind.SIBLING and not (claim.sibling_name and claim.sibling_class):
            problems.append(Problem("priority.sibling_name", "give the brother's or sister's name and class"))
    if choice.multiple_birth.registering_together and not choice.multiple_birth.is_multiple:
        problems.append(Problem("multiple_birth.registering_together", "only for one of twins or a multiple birth"))
    if choice.multiple_birth.registering_together and not choice.multiple_birth.sibling_elk_number:
        problems.append(Problem("multiple_birth.sibling_elk_number", "give the ELK number of the brother or sister"))
    if choice.equivalent_program_wish and program.kind != ProgramKind.REGULAR:
        problems.append(Problem("equivalent_program_wish", f"{program.name} has no equivalent department"))
    return problems


def missing_steps(done: dict[Step, bool]) -> list[Step]:
    return [step for step in Step if not done.get(step, False)]


def submission_goes_to(procedure: Procedure, first_choice: str) -> str:
    """Who receives a submitted list: the primary school (Zaanstad) or the school of first choice (BRIN)."""
    if procedure.submission == Submission.PRIMARY_SCHOOL:
        return "primary_school"
    return procedure.programs()[first_choice][0].brin
