"""A secondary school's pages: registrations per round, decisions, placements, exports, results and letters."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def secondary_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
