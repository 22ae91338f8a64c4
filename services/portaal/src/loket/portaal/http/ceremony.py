"""The lottery's ceremony for the notary: commitment, seed, downloads, how to re-run it."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def ceremony_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
