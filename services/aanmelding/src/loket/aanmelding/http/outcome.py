"""The lottery's outcome explained to the parent over HTTP: the placement, why not at every program ranked
higher, and the lot number with how anyone recomputes it. No name or id of another pupil is ever in it."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from loket.aanmelding.application.outcome import Explained, Outcomes
from loket.aanmelding.domain.outcome import HigherChoice, Reason, Standing
from loket.aanmelding.domain.procedure import Procedure
from loket.aanmelding.http.models import ANSWERS
from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier

LOT_NUMBER = "A 64-bit number as a decimal string (beyond what JavaScript holds exactly); a lower one goes first."


class OutcomePlacementOut(BaseModel):
    program: str
    program_name: str
    school_brin: str
    school_name: str
    rank: int = Field(description="The program's place on the list the lottery used (1: the first choice).")


class HigherChoiceOut(BaseModel):
    program: str
    program_name: str
    school_brin: str
    school_name: str
    rank: int = Field(description="Its place on the list the lottery used (1: the first choice).")
    added_for_equivalent_wish: bool = Field(
        description="Not on the parent's list: added for the wish to stay at the first-choice school in an "
        "equivalent department (a seat there only if one was left, priority -1)."
    )
    reason: Reason = Field(
        description="Why no seat: no_seats (it has none), no_seats_left (stage 2: the school lottery filled "
        "it), full_guaranteed (the seats went to pupils who held one there already), full_priority (the "
        "last pupil admitted had a higher priority), full_lottery (same priority, or priorities did not "
        "count: the last pupil admitted had a lower lot number), full_same_lot (same priority and lot "
        "number, as twins who draw together: the order of the registration numbers decided)."
    )
    seats: int
    stage: int | None = Field(
        description="first-choice-da-stb only: 1, the school lottery among those who put it first "
        "(priorities count); 2, the central lottery (priorities do not count). null otherwise."
    )
    your_priority: int | None = Field(
        description="The pupil's priority there: 1 granted, 0 none, -1 only if a seat is left; null where "
        "priorities did not count (stage 2)."
    )
    your_lot_number: str = Field(description=LOT_NUMBER)
    lot_message: str = Field(description="The HMAC message of your_lot_number (see `lot`).")
    last_admitted_priority: int | None = Field(
        description="The priority of the last pupil admitted there; null where none was admitted or "
        "priorities did not count."
    )
    last_admitted_lot_number: str | None = Field(description=f"{LOT_NUMBER} null where none was admitted.")
    last_admitted_guaranteed: bool = Field(description="The last pupil admitted held a seat there already.")


class LotOut(BaseModel):
    mechanism: str = Field(description="da-stb, da-mtb or first-choice-da-stb (docs/loting.md).")
    seed: str = Field(description="64 hex characters, published after the ceremony.")
    message: str | None = Field(
        description="What HMAC-SHA256 is taken of, e.g. 'stb|student:<id>' or 'stb|group:<group>'; null under "
        "da-mtb, where every school has its own (`higher_choices[].lot_message`)."
    )
    number: str | None = Field(description=LOT_NUMBER)
    shared_with_twins: bool = Field(description="Twins who registered together draw one lot number.")
    how: str = Field(description="How anyone recomputes the number, in one English sentence.")
    command: str | None = Field(description="A Python 3 one-liner that prints `number`.")


class OutcomeOut(BaseModel):
    round: str
    round_name: str
    publication_at: datetime
    published: bool = Field(description="The publication moment has come (parents see nothing before).")
    placement: OutcomePlacementOut | None = Field(description="null: no seat in this round's lottery.")
    higher_choices: list[HigherChoiceOut] = Field(
        description="Every program ranked above the placement (all of them when not placed), best first."
    )
    lot: LotOut


def outcome_out(procedure: Procedure, explained: Explained) -> OutcomeOut:
    programs = procedure.programs()
    outcome, round_ = explained.outcome, explained.round
    listed = set(explained.registration.preferences)

    def named(code: str) -> dict[str, str]:
        school, program = programs[code]
        return {"program": code, "program_name": program.name, "school_brin": school.brin, "school_name": school.name}

    def number(standing: Standing | None) -> str | None:
        return str(standing.lot_number) if standing else None

    def higher(choice: HigherChoice) -> HigherChoiceOut:
        last = choice.last_admitted
        return HigherChoiceOut(
            **named(choice.program),
            rank=choice.rank,
            added_for_equivalent_wish=choice.program not in listed,
            reason=choice.reason,
            seats=choice.seats,
            stage=choice.stage,
            your_priority=choice.yours.priority,
            your_lot_number=str(choice.yours.lot_number),
            lot_message=choice.lot_message,
            last_admitted_priority=last.priority if last else None,
            last_admitted_lot_number=number(last),
            last_admitted_guaranteed=last.guaranteed if last else False,
        )

    placement = None
    if outcome.program is not None and outcome.rank is not None:
        placement = OutcomePlacementOut(**named(outcome.program), rank=outcome.rank)
    lot = outcome.lot
    return OutcomeOut(
        round=round_.code,
        round_name=round_.name,
        publication_at=round_.publication_at,
        published=explained.published,
        placement=placement,
        higher_choices=[higher(choice) for choice in outcome.higher],
        lot=LotOut(
            mechanism=lot.mechanism,
            seed=lot.seed,
            message=lot.message,
            number=str(lot.number) if lot.number is not None else None,
            shared_with_twins=lot.group,
            how=lot.how,
            command=lot.command,
        ),
    )


def outcome_router(outcomes: Outcomes, procedure: Procedure, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["registration"], responses=ANSWERS)
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    @router.get("/pupils/{pupil_id}/registration/outcome", response_model=OutcomeOut)
    async def outcome(
        pupil_id: UUID,
        claims: Caller,
        round_code: Annotated[
            str | None, Query(alias="round", description="A round's code; by default the newest lottery's.")
        ] = None,
    ) -> OutcomeOut:
        """The lottery's outcome explained: the placement, and for every program ranked higher why not (the
        pupil's priority and lot number there against the last pupil admitted); the lot number with how to
        recompute it from the published seed. The newest lottery applied to a registration of the pupil
        (or of `round`). A parent from that round's publication moment on (409 not_published before);
        staff who reach the pupil at once. 404 no_lottery_outcome: no applied lottery placed or left out
        a registration of the pupil."""
        return outcome_out(procedure, await outcomes.outcome(claims, pupil_id, round_code))

    return router
