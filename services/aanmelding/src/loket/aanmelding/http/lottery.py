"""A round's lottery market over HTTP, for the region to hand to loting's ceremony (`POST /runs` there)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from loket.aanmelding.http.registration import answered
from loket.aanmelding.lotteries import Lotteries
from loket.contracts.runtime.auth import bearer
from loket.contracts.tokens import Claims, TokenVerifier


def lottery_router(lotteries: Lotteries, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["lottery"], responses={401: {}, 403: {}, 404: {}, 409: {}})
    Caller = Annotated[Claims, Depends(bearer(verifier))]

    @router.get("/rounds/{round_code}/market")
    async def round_market(round_code: str, claims: Caller) -> dict[str, Any]:
        """The round's market (`loting-market/1` without its seed): every program with its seats, and every
        registration that reached its school of first choice, by its id, with its preferences and the
        priority its first choice granted. loting's ceremony commits, seeds and solves it."""
        with answered():
            return await lotteries.market(claims, round_code)

    return router
