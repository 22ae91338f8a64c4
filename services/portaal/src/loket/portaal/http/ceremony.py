"""The lottery's ceremony for the notary: commitment, seed, downloads, how to re-run it.

The page is loting's run as loting tells it (`GET /runs/{id}`), for the region administrator who runs the
ceremony with the notary at the table: the commitment hash and when it was published, the declared seed
sources, the form for the seed (one value per source), and once completed the files and the proces-verbaal,
fetched from loting with the person's own token, and the command that re-runs the lottery."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.contracts.runtime.downloads import content_disposition
from loket.portaal.http.account import client
from loket.portaal.http.staff import signed_in_staff
from loket.portaal.i18n import N_
from loket.portaal.pages import errors_of, render
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

STATES = {
    "requested": N_("Asked; the commitment is being published."),
    "committed": N_("Commitment published: waiting for the seed."),
    "seeded": N_("Seed entered: the lottery is running."),
    "completed": N_("Completed."),
    "failed": N_("Failed."),
}
FILES = {  # what the notary downloads: loting's path, and the name it is saved under
    "commitment": ("commitment", "commitment.json"),
    "seed-record": ("seed-record", "seed-record.json"),
    "market": ("market", "market.json"),
    "result": ("result", "result.json"),
    "proces-verbaal": ("proces-verbaal", "proces-verbaal.json"),
}


def operator(request: Request) -> Session:
    """The ceremony is run by the region's administrator (with the notary at the table); anyone else gets
    the not-found page."""
    session = signed_in_staff(request)
    if session.role != "region_admin" or session.impersonated_by:
        raise HTTPException(404)
    return session


def source_key(source: dict[str, Any]) -> str:
    """The key loting takes a source's value under: `notary`, or `beacon:<name>:<round>`."""
    if source.get("kind") == "notary":
        return "notary"
    return f"beacon:{source.get('name')}:{source.get('round')}"


def ceremony_router(services: Services) -> APIRouter:
    router = APIRouter()

    async def page(
        request: Request, session: Session, run_id: UUID, status_code: int = 200, errors: Any = None, form: Any = None
    ) -> Response:
        run = await services.json(session, "loting", "GET", f"/runs/{run_id}", client=client(request))
        return render(
            request,
            "pages/ceremony.html",
            status_code,
            errors=errors,
            run=run,
            state=STATES.get(run["state"], run["state"]),
            form=form or {},
            files=[name for name in FILES if name in run["links"]],
        )

    @router.get("/ceremony/{run_id}")
    async def ceremony(request: Request, run_id: UUID) -> Response:
        return await page(request, operator(request), run_id)

    @router.post("/ceremony/{run_id}/seed")
    async def enter_seed(request: Request, run_id: UUID, form: CheckedForm) -> Response:
        """The notary's seed (and each declared beacon's value); loting refuses it before the commitment is
        published, or a second time."""
        session = operator(request)
        run = await services.json(session, "loting", "GET", f"/runs/{run_id}", client=client(request))
        keys = [source_key(source) for source in run["seed_sources"]]
        problems = [Problem("notary_missing", "entered_by")] if not str(form.get("entered_by") or "").strip() else []
        values = {}
        for index, key in enumerate(keys):
            value = str(form.get(f"source-{index}") or "").strip()
            if not value:
                problems.append(Problem("seed_missing", f"source-{index}"))
            values[key] = value
        if not problems:
            try:
                await services.as_person(
                    session,
                    "loting",
                    "POST",
                    f"/runs/{run_id}/seed",
                    client=client(request),
                    json={"entered_by": str(form["entered_by"]).strip(), "values": values},
                )
                return RedirectResponse(f"/ceremony/{run_id}", status_code=303)
            except Refusal as refusal:
                if refusal.status == 404:
                    raise HTTPException(404) from None
                problems = [Problem("seed_out_of_order" if refusal.status == 409 else "seed_refused", None)]
        kept = {key: value for key, value in form.items() if key != "csrf_token"}
        return await page(request, session, run_id, 422, errors_of(request, problems), kept)

    @router.post("/ceremony/{run_id}/retry")
    async def retry(request: Request, run_id: UUID, _: CheckedForm) -> Response:
        """Run a failed run again, with the same market and seed."""
        session = operator(request)
        try:
            await services.as_person(session, "loting", "POST", f"/runs/{run_id}/retry", client=client(request))
        except Refusal as refusal:
            if refusal.status == 404:
                raise HTTPException(404) from None
            return await page(request, session, run_id, 422, errors_of(request, [Problem("seed_out_of_order")]))
        return RedirectResponse(f"/ceremony/{run_id}", status_code=303)

    @router.get("/ceremony/{run_id}/files/{name}")
    async def download(request: Request, run_id: UUID, name: str) -> Response:
        """A file of the run exactly as loting serves it, to keep with the proces-verbaal."""
        session = operator(request)
        if name not in FILES:
            raise HTTPException(404)
        what, saved_as = FILES[name]
        answer = await services.as_person(session, "loting", "GET", f"/runs/{run_id}/{what}", client=client(request))
        return Response(
            answer.content,
            media_type="application/json",
            headers={"Content-Disposition": content_disposition("attachment", f"{run_id}.{saved_as}")},
        )

    return router
