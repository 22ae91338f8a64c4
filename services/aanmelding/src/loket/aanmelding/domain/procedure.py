"""A region's admission procedure as data: its secondary schools and their programs, how long a
preference list must be for each advice, which priorities a parent may claim, who submits the list,
the timeline and the rounds. Loket serves Zaanstad, Amstelland and Amsterdam from such a file, never
from region branches in code.

The models check themselves when a file is read (`procedure_file.py` turns the problems into errors
that say where); the functions below answer the questions the registration asks: which programs fit
an advice (the *invulhulp*), how long the list must be, and what a moment in time allows.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Self, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from loket.aanmelding.domain.eligibility import ADVICE_LEVELS, advice_levels
from loket.contracts.brin import is_brin_with_location

LOTTERY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")  # ids as loting-market/1 allows them
# Every advice a primary school can give: one level or two adjacent ones (pro stands alone).
TIME_ZONE = ZoneInfo("Europe/Amsterdam")
T = TypeVar("T")
ADVICES = ("pro", *ADVICE_LEVELS[1:], *(f"{low}/{high}" for low, high in pairwise(ADVICE_LEVELS[1:])))


class Mechanism(StrEnum):
    """How a round's lottery places pupils (the loting-market/1 mechanisms)."""

    FIRST_CHOICE_DA_STB = "first-choice-da-stb"  # school lottery at the first choice, then CP&L
    DA_STB = "da-stb"  # one central matching with one lot number per pupil (Amsterdam)


class Submission(StrEnum):
    """Where the parent's list goes: straight to the secondary school of first choice, or to the
    primary school, which forwards it in its own window (Zaanstad: "aanmelding definitief maken")."""

    PARENT = "parent"
    PRIMARY_SCHOOL = "primary_school"


class PriorityKind(StrEnum):
    SIBLING = "sibling"  # broer/zus on the school of first choice: with name and class
    STAFF_CHILD = "staff_child"  # kind van een medewerker
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"  # Zaanstad: argued in the OKR


class ProgramKind(StrEnum):
    REGULAR = "regular"  # ranked on the preference list
    PRAKTIJKONDERWIJS = "praktijkonderwijs"  # one school chosen from the orientation list, no ranking
    KOVO = "kovo"  # as praktijkonderwijs


def _advice(value: str) -> str:
    if value not in ADVICES:
        raise ValueError(f"{value!r} is not an advice ({', '.join(ADVICES)})")
    return value


def _level(value: str) -> str:
    if value not in ADVICE_LEVELS:
        raise ValueError(f"{value!r} is not a level ({', '.join(ADVICE_LEVELS)})")
    return value


def _lottery_id(value: str) -> str:
    if not LOTTERY_ID.match(value):
        raise ValueError(f"{value!r} is not a code of letters, digits and . _ : - (at most 64, starting alphanumeric)")
    return value


def _brin(value: str) -> str:
    if not is_brin_with_location(value):
        raise ValueError(f"{value!r} is not a BRIN number with its location, like 20AA00")
    return value


def _not_empty(value: tuple[T, ...]) -> tuple[T, ...]:
    # pydantic's min_length would also complain when only an item was wrong; this speaks only when it is empty
    if not value:
        raise ValueError("needs at least one")
    return value


def _local(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=TIME_ZONE)


Advice = Annotated[str, AfterValidator(_advice)]
Moment = Annotated[datetime, AfterValidator(_local)]  # a time without offset is Dutch time
Level = Annotated[str, AfterValidator(_level)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Program(Model):
    """A school's department or level that pupils rank and that has seats (a loting program)."""

    code: Annotated[str, AfterValidator(_lottery_id)] = Field(description="Unique in the region, e.g. 20AA00-havo.")
    name: str = Field(min_length=1, description="As parents know it, e.g. 'havo/vwo (tweetalig)'.")
    levels: Annotated[tuple[Level, ...], AfterValidator(_not_empty)] = Field(
        description="The levels it teaches, e.g. [havo, vwo]."
    )
    seats: int = Field(ge=0)
    kind: ProgramKind = ProgramKind.REGULAR
    accepts: tuple[Advice, ...] | None = Field(
        default=None, description="The advices it takes; unset: every advice that shares a level with it."
    )

    def fits(self, advice: str) -> bool:
        if self.accepts is not None:
            return advice in self.accepts
        return bool(set(advice_levels(advice)) & set(self.levels))


class SecondarySchool(Model):
    brin: Annotated[str, AfterValidator(_brin)]
    name: str = Field(min_length=1)
    priority_kinds: tuple[PriorityKind, ...] | None = Field(
        default=None, description="The priorities this school offers at the first choice; unset: the region's."
    )
    programs: Annotated[tuple[Program, ...], AfterValidator(_not_empty)]


class ListLength(Model):
    """How many entries a list must have for these advices. `max` unset: as many as the parent likes;
    `all_fitting` (Zaanstad): every school with a program that fits the advice, ranked."""

    advices: Annotated[tuple[Advice, ...], AfterValidator(_not_empty)]
    min: int | None = Field(default=None, ge=1)
    max: int | None = Field(default=None, ge=1)
    all_fitting: bool = False

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        if self.all_fitting == (self.min is not None):
            raise ValueError("give either min (and perhaps max) or all_fitting = true")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self


class Window(Model):
    opens: Moment
    closes: Moment

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes:%Y-%m-%d %H:%M}) is not after opens ({self.opens:%Y-%m-%d %H:%M})")
        return self

    def holds(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


class Round(Model):
    """One round (1e ronde, 2e ronde, afrondingsfase): when parents register, when the schools decide
    and the lottery runs, and the moment the results become visible to every parent at once."""

    code: Annotated[str, AfterValidator(_lottery_id)]
    name: str = Field(min_length=1)
    registration: Window
    forwarding: Window | None = Field(default=None, description="The primary school forwards (Zaanstad).")
    decisions_due: Moment
    lottery_at: Moment
    publication_at: Moment
    mechanism: Mechanism
    reminders: tuple[Moment, ...] = Field(
        default=(), description="Moments in the registration window when parents who are not done get a reminder."
    )

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        last_registration = self.forwarding.closes if self.forwarding else self.registration.closes
        steps = [
            ("registration.closes", last_registration),
            ("decisions_due", self.decisions_due),
            ("lottery_at", self.lottery_at),
            ("publication_at", self.publication_at),
        ]
        for (earlier, first), (later, second) in pairwise(steps):
            if second < first:
                raise ValueError(f"{later} ({second:%Y-%m-%d %H:%M}) comes before {earlier} ({first:%Y-%m-%d %H:%M})")
        for index, moment in enumerate(self.reminders):
            if not self.registration.holds(moment):
                raise ValueError(f"reminders[{index}] ({moment:%Y-%m-%d %H:%M}) is not in the registration window")
        return self


class Procedure(Model):
    region: Annotated[str, AfterValidator(_lottery_id)]
    name: str = Field(min_length=1)
    school_year: str = Field(pattern=r"^[0-9]{4}-[0-9]{4}$", description="The year the pupils start, e.g. 2027-2028.")
    submission: Submission
    priority_kinds: tuple[PriorityKind, ...] = Field(description="What a parent may claim at the first choice.")
    parent_login: Window = Field(description="When primary schools may send parent logins.")
    list_length: Annotated[tuple[ListLength, ...], AfterValidator(_not_empty)]
    rounds: Annotated[tuple[Round, ...], AfterValidator(_not_empty)]
    schools: Annotated[tuple[SecondarySchool, ...], AfterValidator(_not_empty)]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [*self._duplicates(), *self._length_rules(), *self._rounds_in_order(), *self._school_priorities()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _duplicates(self) -> list[str]:
        problems, brins, codes = [], set(), set()
        for index, school in enumerate(self.schools):
            if school.brin in brins:
                problems.append(f"schools[{index}].brin: {school.brin} appears twice")
            brins.add(school.brin)
            for number, program in enumerate(school.programs):
                if program.code in codes:
                    problems.append(f"schools[{index}].programs[{number}].code: {program.code} appears twice")
                codes.add(program.code)
        if len({round_.code for round_ in self.rounds}) != len(self.rounds):
            problems.append("rounds: two rounds have the same code")
        return problems

    def _length_rules(self) -> list[str]:
        covered: dict[str, int] = {}
        problems = []
        for index, rule in enumerate(self.list_length):
            for advice in rule.advices:
                if advice in covered:
                    problems.append(
                        f"list_length[{index}].advices: {advice} is already in list_length[{covered[advice]}]"
                    )
                covered[advice] = index
        missing = [advice for advice in ADVICES if advice != "pro" and advice not in covered]
        if missing:
            problems.append(f"list_length: no rule for the advice {', '.join(missing)}")
        for advice, index in covered.items():
            wanted = self.list_length[index].min or 0
            fit = sum(1 for _, program in self.fitting(advice) if program.kind == ProgramKind.REGULAR)
            if fit < wanted:  # no parent with this advice could ever finish the list
                problems.append(
                    f"list_length[{index}].min: the advice {advice} asks for {wanted} choices, "
                    f"but only {fit} programs in schools fit it"
                )
        return problems

    def _rounds_in_order(self) -> list[str]:
        return [
            f"rounds[{index + 1}].registration.opens: before the publication of {earlier.code}"
            for index, (earlier, later) in enumerate(pairwise(self.rounds))
            if later.registration.opens < earlier.publication_at
        ]

    def _school_priorities(self) -> list[str]:
        return [
            f"schools[{index}].priority_kinds: {kind} is not offered in this region"
            for index, school in enumerate(self.schools)
            for kind in school.priority_kinds or ()
            if kind not in self.priority_kinds
        ]

    # The questions the registration asks.

    def programs(self) -> dict[str, tuple[SecondarySchool, Program]]:
        return {program.code: (school, program) for school in self.schools for program in school.programs}

    def fitting(self, advice: str) -> list[tuple[SecondarySchool, Program]]:
        """The invulhulp: the programs that fit the advice, in the order of the file. A pro advice fits
        praktijkonderwijs only; any other advice regular programs and KOVO."""
        return [
            (school, program)
            for school in self.schools
            for program in school.programs
            if program.fits(advice) and (program.kind == ProgramKind.PRAKTIJKONDERWIJS) == (advice == "pro")
        ]

    def length_rule(self, advice: str) -> ListLength | None:
        """The rule for this advice; None for a pro advice (one school from the orientation list)."""
        return next((rule for rule in self.list_length if advice in rule.advices), None)

    def required_length(self, advice: str) -> tuple[int, int | None]:
        """(min, max) entries for this advice; `all_fitting` counts the schools with a fitting program."""
        rule = self.length_rule(advice)
        if rule is None:
            return 1, 1
        if rule.all_fitting:
            schools = len({school.brin for school, program in self.fitting(advice) if program.kind == "regular"})
            return schools, schools
        assert rule.min is not None
        return rule.min, rule.max

    def priorities_at(self, school: SecondarySchool) -> tuple[PriorityKind, ...]:
        return self.priority_kinds if school.priority_kinds is None else school.priority_kinds

    def round_at(self, moment: datetime) -> Round | None:
        """The round whose registration (or forwarding) window holds `moment`, if any."""
        for round_ in self.rounds:
            if round_.registration.holds(moment) or (round_.forwarding and round_.forwarding.holds(moment)):
                return round_
        return None

    def round(self, code: str) -> Round:
        return next(round_ for round_ in self.rounds if round_.code == code)
