"""A round's lottery over HTTP: the region takes the market and asks loting to hold its ceremony (the
result comes back over the bus and is applied), or carries the files by hand (`POST /runs` at loting,
then `POST /lotteries/{id}/result` here); then it sees who is left unplaced."""

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from loket.aanmelding.application.lottery import Lotteries, ProgramNumbers
from loket.aanmelding.http.models import ANSWERS, REFUSED
from loket.contracts.events.loting import SeedSource
from loket.contracts.runtime.auth import bearer
from loket.contracts.runtime.paging import Paged, tell_total
from loket.contracts.tokens import Claims, TokenVerifier

if TYPE_CHECKING:
    from loket.aanmelding.persistence.models import Lottery


class LotteryOut(BaseModel):
    id: UUID
    round: str
    commitment_sha256: str = Field(description="loting's run must commit to exactly this hash.")
    market_path: str = Field(description="The market to hand to loting's ceremony, byte for byte.")
    taken_at: datetime
    ceremony_requested_at: datetime | None = Field(
        description="When the region asked loting to hold the ceremony; loting's run has this lottery's id."
    )
    ceremony_refusal: str | None = Field(description="Why the result loting sent back could not be applied.")
    applied_at: datetime | None
    applied_by: str | None = Field(description="Who applied the result: the region's administrator, or loting.")
    placed: int | None = None
    unplaced: int | None = None


class CeremonyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed_sources: list[SeedSource] = Field(
        default=[SeedSource(kind="notary")],
        min_length=1,
        description="Where the seed will come from, in the order it counts: the notary, and any public beacons.",
        examples=[[{"kind": "notary"}, {"kind": "beacon", "name": "drand quicknet", "round": 12345}]],
    )
    label: str | None = Field(default=None, min_length=1, max_length=200, description="Default: region and round.")

    @field_validator("seed_sources")
    @classmethod
    def one_notary(cls, sources: list[SeedSource]) -> list[SeedSource]:
        # loting checks the sources in full; this spares the region a request loting would only log as refused
        if sum(source.kind == "notary" for source in sources) != 1:
            raise ValueError("exactly one source is the notary")
        return sources


class UnplacedOut(BaseModel):
    registration_id: UUID
    pupil_id: UUID
    primary_school: str
    full_list: bool = Field(description="The list was as long as the rule asks: flagged for the region.")


class ProgramNumbersOut(BaseModel):
    school_brin: str | None = Field(description="null: registrations without a list yet.")
    school_name: str | None
    program: str | None
    program_name: str | None
    seats: int
    first_choices: int = Field(description="Registrations that count with this program first, in any state.")
    by_state: dict[str, int] = Field(description="Those registrations per state (in_progress, submitted, forwarded).")

    @classmethod
    def of(cls, numbers: ProgramNumbers) -> "ProgramNumbersOut":
        return cls(
            school_brin=numbers.school_brin,
            school_name=numbers.school_name,
            program=numbers.program,
            program_name=numbers.program_name,
            seats=numbers.seats,
            first_choices=sum(numbers.by_state.values()),
            by_state=numbers.by_state,
        )


class ResultIn(BaseModel):
    market: str = Field(description="The seeded market file as loting serves it (`GET /runs/{id}/market`), as text.")
    result: str = Field(description="The result file as loting serves it (`GET /runs/{id}/result`), as text.")


def lottery_out(lottery: "Lottery") -> LotteryOut:
    counts: dict[str, int | None] = {"placed": None, "unplaced": None}
    if lottery.result is not None:
        assignments = json.loads(lottery.result)["assignments"]
        counts = {
            "placed": sum(1 for a in assignments if a["program"] is not None),
            "unplaced": sum(1 for a in assignments if a["program"] is None),
        }
    return LotteryOut(
        id=lottery.id,
        round=lottery.round_code,
        commitment_sha256=lottery.commitment_sha256,
        market_path=f"/lotteries/{lottery.id}/market",
        taken_at=lottery.taken_at,
        ceremony_requested_at=lottery.ceremony_requested_at,
        ceremony_refusal=lottery.ceremony_refusal,
        applied_at=lottery.applied_at,
        applied_by=lottery.applied_by,
        **counts,
    )


def lottery_router(lotteries: Lotteries, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["lottery"], responses=ANSWERS)
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    @router.get("/rounds/{round_code}/market")
    async def round_market(round_code: str, claims: Caller) -> dict[str, Any]:
        """A preview of the round's market (`loting-market/1` without its seed): every program with its seats,
        and every registration that reached its school of first choice, by its id, with its preferences and
        the priority its first choice granted. Nothing is kept; `POST …/lotteries` fixes it."""
        return await lotteries.market(claims, round_code)

    @router.get("/rounds/{round_code}/numbers", response_model=list[ProgramNumbersOut])
    async def round_numbers(round_code: str, claims: Caller) -> list[ProgramNumbersOut]:
        """The round's numbers while it runs (the region's dots): per program, the registrations that count
        with it as first choice, by state, against its seats; counted in the database."""
        return [ProgramNumbersOut.of(numbers) for numbers in await lotteries.numbers(claims, round_code)]

    @router.get("/rounds/{round_code}/lotteries", response_model=list[LotteryOut])
    async def round_lotteries(round_code: str, claims: Caller) -> list[LotteryOut]:
        """The round's lotteries, the last taken first."""
        return [lottery_out(lottery) for lottery in await lotteries.of_round(claims, round_code)]

    @router.post("/rounds/{round_code}/lotteries", response_model=LotteryOut, status_code=status.HTTP_201_CREATED)
    async def take(round_code: str, claims: Caller) -> LotteryOut:
        """Fix the round's market for loting's ceremony; its SHA-256 is what loting's run must commit to."""
        return lottery_out(await lotteries.take(claims, round_code))

    @router.get("/lotteries/{lottery_id}", response_model=LotteryOut)
    async def show(lottery_id: UUID, claims: Caller) -> LotteryOut:
        return lottery_out(await lotteries.lottery(claims, lottery_id))

    @router.get(
        "/lotteries/{lottery_id}/market",
        response_class=Response,
        responses={200: {"content": {"application/json": {}}, "description": "The market, byte for byte."}},
    )
    async def market_file(lottery_id: UUID, claims: Caller) -> Response:
        """The market as taken, in canonical JSON: post it to loting's `POST /runs` as the run's market."""
        lottery = await lotteries.lottery(claims, lottery_id)
        return Response(lottery.commitment, media_type="application/json")

    @router.post("/lotteries/{lottery_id}/ceremony", response_model=LotteryOut, responses=REFUSED)
    async def ceremony(lottery_id: UUID, body: CeremonyIn, claims: Caller) -> LotteryOut:
        """Ask loting to hold the lottery's ceremony: loting opens a run with this lottery's id on this market,
        the notary enters the seed there (`POST /runs/{id}/seed`), and the result comes back and is applied
        by itself. Once; a result that does not check out is shown in `ceremony_refusal`."""
        return lottery_out(await lotteries.request_ceremony(claims, lottery_id, body.seed_sources, body.label))

    @router.post("/lotteries/{lottery_id}/result", response_model=LotteryOut, responses=REFUSED)
    async def apply(lottery_id: UUID, files: ResultIn, claims: Caller) -> LotteryOut:
        """Apply the ceremony's result: it must belong to this lottery's market (the hashes are checked);
        every registration gets its placement, which parents see from the publication moment on."""
        return lottery_out(await lotteries.apply(claims, lottery_id, files.market, files.result))

    @router.get("/lotteries/{lottery_id}/unplaced", response_model=list[UnplacedOut])
    async def unplaced(lottery_id: UUID, claims: Caller, paging: Paged, response: Response) -> list[UnplacedOut]:
        """Who the lottery left without a place; `full_list` flags a list as long as the rule asks. Sorts:
        `id` (the registration's), `primary_school`."""
        found, total = await lotteries.unplaced(claims, lottery_id, paging)
        tell_total(response, total)
        return [
            UnplacedOut(
                registration_id=registration.id,
                pupil_id=registration.pupil_id,
                primary_school=registration.school_brin,
                full_list=full_list,
            )
            for registration, full_list in found
        ]

    return router
