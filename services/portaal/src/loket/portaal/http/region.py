"""The region's pages: the procedure at a glance, rounds and their numbers, lotteries, unplaced pupils,
audit, meekijken.

Each page reads what the services say with the region administrator's own token: aanmelding the
procedure, a round's numbers (counted in its database), its lotteries and who they left unplaced; loting
the ceremony's run; identity the audit log and the staff to look along as. Nothing is counted here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.portaal.domain.listing import PAGE_SIZE, Listing
from loket.portaal.http.account import client
from loket.portaal.http.ceremony import STATES
from loket.portaal.http.staff import signed_in_region_admin as region_admin
from loket.portaal.i18n import N_
from loket.portaal.pages import errors_of, render
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services, claims_of, refresh_token_of
from loket.portaal.sessions import Session

REGION_ADMIN = "region_admin"
COUNTED = ("submitted", "forwarded")  # a first choice that has reached its school
TOTALS = ("seats", "counted", "busy")
AUDIT_ACTIONS = {  # identity's audit actions (loket.identity.domain.audit) the region's log shows by name
    "login": N_("Logged in"),
    "second_factor.enrolled": N_("Second factor set up"),
    "invitation.issued": N_("Invited"),
    "invitation.accepted": N_("Invitation accepted"),
    "role.changed": N_("Role changed"),
    "account.deactivated": N_("Account switched off"),
    "account.reactivated": N_("Account switched on again"),
    "impersonation.started": N_("Looking along started"),
    "impersonation.ended": N_("Looking along ended"),
    "board.schools_changed": N_("Schools of a board changed"),
    "parent_login.issued": N_("Parent login sent"),
    "activation": N_("Parent login activated"),
    "password_reset.requested": N_("New password asked"),
    "password_reset.completed": N_("New password set"),
    "session.ended": N_("Logged out"),
}
OUTCOMES = {
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "refused": N_("refused"),
    "throttled": N_("too many attempts"),
}
ROLES = {
    "region_admin": N_("region administrator"),
    "board_contact": N_("board contact"),
    "school_admin": N_("school administrator"),
    "school_user": N_("school user"),
    "parent": N_("parent"),
}


def schools_of(numbers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A round's numbers per school: its programs' rows and the school's totals."""
    schools: dict[str | None, dict[str, Any]] = {}
    for row in numbers:
        counted = sum(row["by_state"].get(state, 0) for state in COUNTED)
        program = {**row, "counted": counted, "busy": row["by_state"].get("in_progress", 0)}
        program["over"] = counted > row["seats"] and row["program"] is not None
        school = schools.setdefault(
            row["school_brin"],
            {"brin": row["school_brin"], "name": row["school_name"], "programs": []} | dict.fromkeys(TOTALS, 0),
        )
        school["programs"].append(program)
        for key in TOTALS:
            school[key] += program[key]
    return list(schools.values())


def round_phase(round_: dict[str, Any], now: datetime) -> str:
    closes = datetime.fromisoformat((round_.get("forwarding") or round_["registration"])["closes"])
    if now < datetime.fromisoformat(round_["registration"]["opens"]):
        return "not_open"
    if now < closes:
        return "open"
    if now < datetime.fromisoformat(round_["publication_at"]):
        return "closed"
    return "published"


def region_router(services: Services) -> APIRouter:
    router = APIRouter()

    async def procedure() -> dict[str, Any]:
        found: dict[str, Any] = (await services.anonymous("aanmelding", "GET", "/procedure")).json()
        return found

    async def read(request: Request, session: Session, service: str, path: str, **kwargs: Any) -> Any:
        return await services.json(session, service, "GET", path, client=client(request), **kwargs)

    @router.get("/region")
    async def overview(request: Request) -> Response:
        """The procedure at a glance: rounds with their moments, schools and programs with seats, and the
        list rules per advice."""
        region_admin(request)
        found = await procedure()
        helpers = await asyncio.gather(
            *(
                services.anonymous("aanmelding", "GET", "/procedure/programs", params={"advice": advice})
                for advice in found["advices"]
            )
        )
        rules = [answer.json() for answer in helpers]
        return render(request, "pages/region/procedure.html", procedure=found, rules=rules)

    async def round_page(
        request: Request, session: Session, round_code: str, status_code: int = 200, errors: Any = None
    ) -> Response:
        found = await procedure()
        round_ = next((r for r in found["rounds"] if r["code"] == round_code), None)
        if round_ is None:
            raise HTTPException(404)
        asked = str(request.query_params.get("ended_page") or "1")
        ended_page = max(1, int(asked)) if asked.isdigit() else 1
        numbers, lotteries, ended_answer = await asyncio.gather(
            read(request, session, "aanmelding", f"/rounds/{round_code}/numbers"),
            read(request, session, "aanmelding", f"/rounds/{round_code}/lotteries"),
            services.as_person(
                session,
                "aanmelding",
                "GET",
                f"/rounds/{round_code}/ended-by-school",
                client=client(request),
                params={"limit": PAGE_SIZE, "offset": (ended_page - 1) * PAGE_SIZE},
            ),
        )
        lottery = lotteries[0] if lotteries else None
        run = None
        if lottery and lottery["ceremony_requested_at"]:
            try:
                run = await read(request, session, "loting", f"/runs/{lottery['id']}")
            except Refusal as refusal:
                if refusal.status != 404:  # 404: loting has not opened the run yet
                    raise
        listing = Listing.of(request.url.path, request.query_params, ["id", "primary_school"], "primary_school")
        unplaced, total = [], 0
        if lottery and lottery["applied_at"]:
            answer = await services.as_person(
                session,
                "aanmelding",
                "GET",
                f"/lotteries/{lottery['id']}/unplaced",
                client=client(request),
                params=listing.params(),
            )
            unplaced, total = answer.json(), int(answer.headers.get("X-Total-Count", "0"))
        return render(
            request,
            "pages/region/round.html",
            status_code,
            errors=errors,
            round=round_,
            phase=round_phase(round_, datetime.now(UTC)),
            schools=schools_of(numbers),
            lottery=lottery,
            lotteries=lotteries,
            run=run,
            listing=listing,
            unplaced=unplaced,
            total=total,
            ended=ended_answer.json(),
            ended_total=int(ended_answer.headers.get("X-Total-Count", "0")),
            ended_page=ended_page,
            ended_pages=listing.pages(int(ended_answer.headers.get("X-Total-Count", "0"))),
            state_labels=STATES,
        )

    @router.get("/region/rounds/{round_code}")
    async def a_round(request: Request, round_code: str) -> Response:
        """The round while it runs, its lottery and what the lottery left to do."""
        return await round_page(request, region_admin(request), round_code)

    async def step(request: Request, session: Session, round_code: str, call: Any) -> Response:
        try:
            await call
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise HTTPException(404) from None
            return await round_page(request, session, round_code, 422, errors_of(request, refusal.problems))
        return RedirectResponse(f"/region/rounds/{round_code}", status_code=303)

    @router.post("/region/rounds/{round_code}/market")
    async def take_market(request: Request, round_code: str, _: CheckedForm) -> Response:
        """Take the round's market: from now on the registrations in the lottery are fixed."""
        session = region_admin(request)
        call = services.as_person(
            session, "aanmelding", "POST", f"/rounds/{round_code}/lotteries", client=client(request)
        )
        return await step(request, session, round_code, call)

    @router.post("/region/rounds/{round_code}/ceremony")
    async def ask_ceremony(request: Request, round_code: str, form: CheckedForm) -> Response:
        """Ask loting to hold the lottery's ceremony (the notary's seed as the one source)."""
        session = region_admin(request)
        call = services.as_person(
            session,
            "aanmelding",
            "POST",
            f"/lotteries/{form.get('lottery_id')}/ceremony",
            client=client(request),
            json={},
        )
        return await step(request, session, round_code, call)

    @router.post("/region/rounds/{round_code}/result")
    async def apply_result(request: Request, round_code: str, form: CheckedForm) -> Response:
        """Apply a completed ceremony's result by hand (it normally applies itself when loting sends it)."""
        session = region_admin(request)
        lottery_id = form.get("lottery_id")

        async def carried() -> Any:
            market, result = await asyncio.gather(
                services.as_person(session, "loting", "GET", f"/runs/{lottery_id}/market", client=client(request)),
                services.as_person(session, "loting", "GET", f"/runs/{lottery_id}/result", client=client(request)),
            )
            return await services.as_person(
                session,
                "aanmelding",
                "POST",
                f"/lotteries/{lottery_id}/result",
                client=client(request),
                json={"market": market.text, "result": result.text},
            )

        return await step(request, session, round_code, carried())

    @router.get("/region/audit")
    async def audit(request: Request) -> Response:
        """The region's audit log: every security event (logins, invitations, roles, meekijken), a page at a
        time, the newest first."""
        session = region_admin(request)
        listing = Listing.of(request.url.path, request.query_params, ["id"], "-id", ["action"])
        params = listing.params()
        if params.get("action") not in AUDIT_ACTIONS:
            params.pop("action", None)
        answer = await services.as_person(session, "identity", "GET", "/audit", client=client(request), params=params)
        return render(
            request,
            "pages/region/audit.html",
            entries=answer.json(),
            total=int(answer.headers.get("X-Total-Count", "0")),
            listing=listing,
            actions=AUDIT_ACTIONS,
            outcomes=OUTCOMES,
            roles=ROLES,
            action=dict(listing.filters).get("action", ""),
        )

    @router.get("/region/meekijken")
    async def look_along_page(request: Request) -> Response:
        """The school staff to look along as, a page at a time."""
        session = region_admin(request)
        listing = Listing.of(request.url.path, request.query_params, ["email", "school", "role"], "email")
        answer = await services.as_person(
            session, "identity", "GET", "/staff", client=client(request), params=listing.params()
        )
        return render(
            request,
            "pages/region/meekijken.html",
            staff=answer.json(),
            total=int(answer.headers.get("X-Total-Count", "0")),
            listing=listing,
            roles=ROLES,
        )

    @router.post("/region/meekijken")
    async def look_along(request: Request, form: CheckedForm) -> Response:
        """Meekijken: the region administrator's session becomes one as the staff member, marked on every
        page, until logging out."""
        session = region_admin(request)
        try:
            answer = await services.as_person(
                session,
                "identity",
                "POST",
                "/impersonation",
                client=client(request),
                json={"account_id": str(form.get("account_id") or "")},
            )
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise HTTPException(404) from None
            problems = refusal.problems if refusal.status != 409 else [Problem("cannot_look_along")]
            listing = Listing.of(request.url.path, {}, ["email"], "email")
            staff = await services.as_person(
                session, "identity", "GET", "/staff", client=client(request), params=listing.params()
            )
            return render(
                request,
                "pages/region/meekijken.html",
                422,
                errors=errors_of(request, problems),
                staff=staff.json(),
                total=int(staff.headers.get("X-Total-Count", "0")),
                listing=listing,
                roles=ROLES,
            )
        access = answer.json()
        refresh = refresh_token_of(answer)
        assert refresh is not None, "identity answered meekijken without the session's cookie"
        session.begin(access, refresh, claims_of(access["access_token"]))
        return RedirectResponse("/staff", status_code=303)

    return router
