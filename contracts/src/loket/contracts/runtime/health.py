"""`/healthz` says the process is alive; `/readyz` says it can do its work: its database and the
broker both answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from pydantic import BaseModel

Check = Callable[[], Awaitable[bool]]


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


def health_router(checks: dict[str, Check]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def alive() -> Health:
        return Health(status="ok")

    @router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
    async def ready(response: Response) -> Health:
        results = {name: "ok" if await check() else "down" for name, check in checks.items()}
        ok = all(value == "ok" for value in results.values())
        if not ok:
            response.status_code = 503
        return Health(status="ok" if ok else "unavailable", checks=results)

    return router
