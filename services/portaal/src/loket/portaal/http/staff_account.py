"""Staff sign-in and accounts: the second factor (QR code, recovery codes), the region's staff accounts."""

from __future__ import annotations

from fastapi import APIRouter

from loket.portaal.services import Services


def staff_account_router(services: Services) -> APIRouter:
    router = APIRouter()
    return router
