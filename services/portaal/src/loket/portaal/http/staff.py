"""Where staff start: the rooms of their role. A region administrator goes to the region's pages, a
school's staff to their school's (primary or secondary, as dossier knows the school), a board's contact
chooses one of the board's schools.

`signed_in_staff` is every staff page's first call: signed out goes to the login, a parent gets the
not-found page (as anybody does for a page beyond their reach)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.portaal.http.account import client
from loket.portaal.pages import render, session_of
from loket.portaal.services import Refusal, Services, SignedOut
from loket.portaal.sessions import Session

PRIMARY, SECONDARY = "po", "vo"


def signed_in_staff(request: Request) -> Session:
    session = session_of(request)
    if not session.signed_in:
        raise SignedOut
    if not session.staff:
        raise HTTPException(404)
    return session


def signed_in_region_admin(request: Request) -> Session:
    """The region's pages are the region administrator's own: anyone else, and anyone looking along as
    somebody, gets the not-found page."""
    session = signed_in_staff(request)
    if session.role != "region_admin" or session.impersonated_by:
        raise HTTPException(404)
    return session


def room_of(school: dict[str, Any]) -> str:
    """The pages a school's staff work in: `/po/{brin}` for a primary school, `/vo/{brin}` for a secondary."""
    return f"/{PRIMARY if school.get('sector') == 'primary' else SECONDARY}/{school['brin']}"


def staff_router(services: Services) -> APIRouter:
    router = APIRouter()

    async def school(request: Request, session: Session, brin: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await services.json(
                session, "dossier", "GET", f"/schools/{brin}", client=client(request)
            )
        except Refusal as refusal:
            if refusal.status in (403, 404):
                return None
            raise
        return found

    @router.get("/staff")
    async def start(request: Request) -> Response:
        session = signed_in_staff(request)
        if session.role == "region_admin":
            return RedirectResponse("/region", status_code=303)
        schools = [
            found
            for found in await asyncio.gather(*(school(request, session, brin) for brin in session.schools))
            if found
        ]
        if len(schools) == 1:
            return RedirectResponse(room_of(schools[0]), status_code=303)
        rooms = sorted(
            ({"name": found["name"], "href": room_of(found), "brin": found["brin"]} for found in schools),
            key=lambda room: room["name"],
        )
        return render(request, "pages/staff/start.html", schools=rooms)

    return router
