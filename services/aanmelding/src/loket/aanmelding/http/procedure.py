"""The region's procedure over HTTP: what a parent portal, a school and another service read to know the
schools, the programs that fit an advice (the invulhulp), how long a list must be, and the timeline.
It is the region's public school guide, so it takes no token."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from loket.aanmelding.application.procedure import Timeline
from loket.aanmelding.domain.eligibility import ADVICE_LEVELS
from loket.aanmelding.domain.procedure import (
    ADVICES,
    PriorityKind,
    Procedure,
    ProgramKind,
    Round,
    Submission,
    Window,
)


class ProgramOut(BaseModel):
    code: str
    name: str
    school_brin: str
    school_name: str
    levels: list[str]
    kind: ProgramKind
    seats: int


class ListLengthOut(BaseModel):
    min: int
    max: int | None = Field(description="null: as many as the parent likes")
    ranks: str = Field(description="`programs`; `schools` where every fitting school is ranked (all_fitting)")


class PreferenceHelper(BaseModel):
    advice: str
    choose_one: bool = Field(description="Praktijkonderwijs: choose one school from the list, no ranking.")
    length: ListLengthOut
    priority_kinds: dict[str, list[PriorityKind]] = Field(
        description="Per school (BRIN): the priorities a parent may claim when it is the first choice."
    )
    programs: list[ProgramOut]


class SchoolOut(BaseModel):
    brin: str
    name: str
    priority_kinds: list[PriorityKind]
    programs: list[ProgramOut]


class ProcedureOut(BaseModel):
    region: str
    name: str
    school_year: str
    submission: Submission
    parent_login: Window
    rounds: list[Round]
    current_round: str | None = Field(description="The round whose registration or forwarding is open now.")
    advices: list[str]
    schools: list[SchoolOut]


def procedure_router(procedure: Procedure, timeline: Timeline) -> APIRouter:
    router = APIRouter(tags=["procedure"])
    programs = {
        program.code: ProgramOut(
            code=program.code,
            name=program.name,
            school_brin=school.brin,
            school_name=school.name,
            levels=list(program.levels),
            kind=program.kind,
            seats=program.seats,
        )
        for school, program in procedure.programs().values()
    }

    @router.get("/procedure", response_model=ProcedureOut)
    async def the_procedure() -> ProcedureOut:
        """The region's procedure: schools and programs, the timeline and its rounds."""
        current = timeline.current_round()
        return ProcedureOut(
            region=procedure.region,
            name=procedure.name,
            school_year=procedure.school_year,
            submission=procedure.submission,
            parent_login=procedure.parent_login,
            rounds=list(procedure.rounds),
            current_round=current.code if current else None,
            advices=list(ADVICES),
            schools=[
                SchoolOut(
                    brin=school.brin,
                    name=school.name,
                    priority_kinds=list(procedure.priorities_at(school)),
                    programs=[programs[program.code] for program in school.programs],
                )
                for school in procedure.schools
            ],
        )

    @router.get("/procedure/programs", response_model=PreferenceHelper, responses={422: {}})
    async def preference_helper(
        advice: Annotated[str, Query(description=f"One level or two adjacent ones: {', '.join(ADVICES)}.")],
    ) -> PreferenceHelper:
        """The invulhulp: the programs that fit an advice, and how long the list must be."""
        if advice not in ADVICES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                [
                    {
                        "loc": ["query", "advice"],
                        "msg": f"{advice!r} is not an advice; levels are {', '.join(ADVICE_LEVELS)}, "
                        "alone or two adjacent ones joined by '/', e.g. vmbo_gt/havo",
                        "type": "advice_unknown",
                        "ctx": {"advice": advice, "advices": list(ADVICES)},
                    }
                ],
            )
        fitting = procedure.fitting(advice)
        rule = procedure.length_rule(advice)
        low, high = procedure.required_length(advice)
        return PreferenceHelper(
            advice=advice,
            choose_one=rule is None,
            length=ListLengthOut(min=low, max=high, ranks="schools" if rule and rule.all_fitting else "programs"),
            priority_kinds={school.brin: list(procedure.priorities_at(school)) for school, _ in fitting},
            programs=[programs[program.code] for _, program in fitting],
        )

    return router
