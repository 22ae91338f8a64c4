"""The region registers a pupil from outside the region (a buitenleerling): no OKI-doc, a B number, the
final advice the parents showed; then it sends the parent login."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def external_pupils_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
