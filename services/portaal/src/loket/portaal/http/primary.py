"""A primary school's pages: pupils per group with their dots, parent logins, final advice, imports."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def primary_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
