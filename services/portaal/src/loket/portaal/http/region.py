"""The region's pages: the procedure at a glance, rounds and their numbers, lotteries, unplaced pupils,
audit, meekijken."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def region_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
