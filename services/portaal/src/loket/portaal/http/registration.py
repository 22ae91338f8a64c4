"""The parent's registration, one step a page: the home page with the task list, the child's details,
the contact details, the ranking (the invulhulp), priority and twins, check your answers and sign,
the confirmation, withdrawing, and the result with the why.

Every page reads the registration as aanmelding recorded it and every form sends one step to
aanmelding, with the parent's own token; a refusal comes back as the same page, the input kept.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from loket.portaal.domain.journey import (
    EQUIVALENT_WISH_REGIONS,
    chosen_programs,
    earlier_round,
    open_round,
    preferences_body,
    standing,
    window_open,
)
from loket.portaal.http.account import client
from loket.portaal.pages import errors_of, render, session_of
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services, SignedOut
from loket.portaal.sessions import Session

Form = dict[str, Any]
PROCEDURE_KEPT = 60.0  # seconds: the procedure changes only with a new procedure file and a restart


class Procedure:
    """aanmelding's public procedure (schools, programs, rounds), kept a minute: every page needs it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.kept: tuple[float, dict[str, Any]] | None = None
        self.fitting: dict[str, tuple[float, dict[str, Any]]] = {}

    async def get(self) -> dict[str, Any]:
        if self.kept is None or time.monotonic() - self.kept[0] > PROCEDURE_KEPT:
            answer = await self.services.anonymous("aanmelding", "GET", "/procedure")
            self.kept = (time.monotonic(), answer.json())
        return self.kept[1]

    async def programs_for(self, advice: str) -> dict[str, Any]:
        """The invulhulp for an advice: the programs that fit, the list length, the priorities."""
        kept = self.fitting.get(advice)
        if kept is None or time.monotonic() - kept[0] > PROCEDURE_KEPT:
            answer = await self.services.anonymous(
                "aanmelding", "GET", "/procedure/programs", params={"advice": advice}
            )
            kept = self.fitting[advice] = (time.monotonic(), answer.json())
        return kept[1]


def registration_router(services: Services) -> APIRouter:
    router = APIRouter()
    procedure = Procedure(services)

    def parent(request: Request) -> Session:
        session = session_of(request)
        if not session.signed_in:
            raise SignedOut
        return session

    async def read(request: Request, session: Session, service: str, path: str) -> Any:
        return await services.json(session, service, "GET", path, client=client(request))

    async def situation(request: Request, session: Session) -> dict[str, Any]:
        """Everything a registration page shows: the child, the registration, the procedure."""
        pupil_id = session.pupil
        pupil, view, region = await asyncio.gather(
            read(request, session, "dossier", f"/pupils/{pupil_id}"),
            read(request, session, "aanmelding", f"/pupils/{pupil_id}/registration"),
            procedure.get(),
        )
        now = datetime.now(UTC)
        current = view.get("current")
        round_code = current["round"] if current else None
        is_open = (
            window_open(region["rounds"], round_code, now) if current else window_open(region["rounds"], None, now)
        )
        rounds = {round_["code"]: round_ for round_ in region["rounds"]}
        return {
            "pupil": pupil,
            "view": view,
            "current": current,
            "region": region,
            "round": rounds.get(round_code) if round_code else open_round(region["rounds"], now),
            "window_open": is_open,
            "standing": standing(view, is_open),
            "earlier": earlier_round(view),
            "round_names": {round_["code"]: round_["name"] for round_ in region["rounds"]},
            "equivalent_wish": region["region"] in EQUIVALENT_WISH_REGIONS,
        }

    async def recorded(request: Request, session: Session) -> dict[str, Any] | None:
        """Only the registration as aanmelding recorded it: what a form needs to send its step."""
        view = await read(request, session, "aanmelding", f"/pupils/{session.pupil}/registration")
        current: dict[str, Any] | None = view.get("current")
        return current

    async def step(
        request: Request, session: Session, method: str, path: str, json: Any = None
    ) -> list[Problem] | None:
        """Send one step to aanmelding; its refusal as problems for the page, None when it was taken."""
        try:
            await services.as_person(
                session,
                "aanmelding",
                method,
                f"/pupils/{session.pupil}/registration{path}",
                client=client(request),
                json=json,
            )
        except Refusal as refusal:
            if refusal.status in (403, 404):
                raise
            return refusal.problems
        return None

    @router.get("/")
    async def home(request: Request, welcome: int = 0) -> Response:
        session = parent(request)
        if session.role != "parent" or session.pupil is None:
            return RedirectResponse("/staff", status_code=303)
        seen = await situation(request, session)
        outcome = None
        if seen["standing"].phase == "result" or seen["earlier"] is not None:
            try:
                outcome = await read(request, session, "aanmelding", f"/pupils/{session.pupil}/registration/outcome")
            except Refusal:
                outcome = None
        return render(request, "pages/home.html", welcome=bool(welcome), outcome=outcome, **seen)

    @router.post("/registration/start")
    async def start(request: Request, _: CheckedForm) -> Response:
        session = parent(request)
        problems = await step(request, session, "POST", "")
        if problems:
            seen = await situation(request, session)
            return render(request, "pages/home.html", 409, errors=errors_of(request, problems), **seen)
        return RedirectResponse("/registration/child", status_code=303)

    for name, path, template in (
        ("child", "/pupil-check", "pages/step_child.html"),
        ("contact", "/contact-check", "pages/step_contact.html"),
    ):
        _check_step(router, name, path, template, parent, situation, step)

    @router.get("/registration/choices")
    async def choices_page(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        if seen["current"] is None:
            return RedirectResponse("/", status_code=303)
        helper = await procedure.programs_for(seen["current"]["advice"])
        chosen = [choice["program"] for choice in seen["current"]["preferences"]]
        return render(request, "pages/step_choices.html", helper=helper, chosen=chosen, **seen)

    @router.post("/registration/choices")
    async def choose(request: Request, form: CheckedForm) -> Response:
        session = parent(request)
        current = await recorded(request, session)
        if current is None:
            return RedirectResponse("/", status_code=303)
        values = form.get("programs") or []
        chosen = chosen_programs(values if isinstance(values, list) else [values])
        problems = [Problem("choose_at_least_one", "programs.0")] if not chosen else None
        if problems is None:
            problems = await step(request, session, "PUT", "/preferences", preferences_body(current, programs=chosen))
            problems = [_on_the_form(problem) for problem in problems or []]
        if problems:
            seen = await situation(request, session)
            helper = await procedure.programs_for(current["advice"])
            errors = errors_of(request, problems)
            return render(request, "pages/step_choices.html", 422, helper=helper, chosen=chosen, errors=errors, **seen)
        return RedirectResponse("/registration/extra", status_code=303)

    @router.get("/registration/extra")
    async def extra_page(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        if seen["current"] is None or not seen["current"]["preferences"]:
            return RedirectResponse("/registration/choices", status_code=303)
        helper = await procedure.programs_for(seen["current"]["advice"])
        return render(request, "pages/step_extra.html", helper=helper, form=_extra_form(seen["current"]), **seen)

    @router.post("/registration/extra")
    async def extra(request: Request, form: CheckedForm) -> Response:
        session = parent(request)
        current = await recorded(request, session)
        if current is None or not current["preferences"]:
            return RedirectResponse("/registration/choices", status_code=303)
        first = current["preferences"][0]["program"]
        kind = form.get("priority.kind") or None
        twins = form.get("multiple_birth.is_multiple") == "yes"
        sibling = kind == "sibling"
        body = preferences_body(
            current,
            priority={
                "kind": kind,
                "at": first if kind else None,
                "sibling_name": _text(form, "priority.sibling_name") if sibling else None,
                "sibling_class": _text(form, "priority.sibling_class") if sibling else None,
            },
            equivalent_program_wish=form.get("equivalent_program_wish") == "yes",
            multiple_birth={
                "is_multiple": twins,
                "sibling_elk_number": _text(form, "multiple_birth.sibling_elk_number") if twins else None,
                "registering_together": twins and form.get("multiple_birth.registering_together") == "yes",
            },
            outside_region=_text(form, "outside_region"),
        )
        problems = await step(request, session, "PUT", "/preferences", body)
        if problems:
            seen = await situation(request, session)
            helper = await procedure.programs_for(current["advice"])
            return render(
                request,
                "pages/step_extra.html",
                422,
                helper=helper,
                form=form,
                errors=errors_of(request, problems),
                **seen,
            )
        return RedirectResponse("/registration/check", status_code=303)

    @router.get("/registration/check")
    async def check_page(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        if seen["current"] is None:
            return RedirectResponse("/", status_code=303)
        return render(request, "pages/step_check.html", form={}, **seen)

    @router.post("/registration/check")
    async def sign_and_submit(request: Request, form: CheckedForm) -> Response:
        session = parent(request)
        signed_by = (form.get("signed_by") or "").strip()
        problems = (
            [Problem("signature_missing", "signed_by")]
            if not signed_by
            else await step(request, session, "PUT", "/signature", {"signed_by": signed_by})
        )
        if not problems:
            problems = await step(request, session, "POST", "/submission")
        if problems:
            seen = await situation(request, session)
            return render(request, "pages/step_check.html", 422, form=form, errors=errors_of(request, problems), **seen)
        return RedirectResponse("/registration/submitted", status_code=303)

    @router.get("/registration/submitted")
    async def submitted(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        return render(request, "pages/submitted.html", **seen)

    @router.get("/registration/withdraw")
    async def withdraw_page(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        return render(request, "pages/withdraw.html", **seen)

    @router.post("/registration/withdraw")
    async def withdraw(request: Request, _: CheckedForm) -> Response:
        session = parent(request)
        problems = await step(request, session, "POST", "/withdrawal")
        if problems:
            seen = await situation(request, session)
            return render(request, "pages/withdraw.html", 409, errors=errors_of(request, problems), **seen)
        return RedirectResponse("/?withdrawn=1", status_code=303)

    return router


def _check_step(router: APIRouter, name: str, path: str, template: str, parent: Any, situation: Any, step: Any) -> None:
    """Steps 1 and 2: the details are right, or what the primary school must correct."""
    following = {"child": "/registration/contact", "contact": "/registration/choices"}[name]

    @router.get(f"/registration/{name}", name=f"{name}_page")
    async def page(request: Request) -> Response:
        session = parent(request)
        seen = await situation(request, session)
        if seen["current"] is None:
            return RedirectResponse("/", status_code=303)
        return render(request, template, form={}, **seen)

    @router.post(f"/registration/{name}", name=name)
    async def answer(request: Request, form: CheckedForm) -> Response:
        session = parent(request)
        correct = form.get("correct")
        correction = (form.get("correction") or "").strip() or None
        if correct not in ("yes", "no"):
            problems = [Problem("choose_yes_or_no", "correct")]
        else:
            problems = await step(
                request, session, "PUT", path, {"correct": correct == "yes", "correction": correction}
            )
        if problems:
            seen = await situation(request, session)
            return render(request, template, 422, form=form, errors=errors_of(request, problems), **seen)
        return RedirectResponse(following, status_code=303)


def _extra_form(current: dict[str, Any]) -> dict[str, Any]:
    """The recorded answers as the form's fields."""
    priority = current.get("priority") or {}
    multiple = current.get("multiple_birth") or {}
    return {
        "priority.kind": priority.get("kind") or "",
        "priority.sibling_name": priority.get("sibling_name") or "",
        "priority.sibling_class": priority.get("sibling_class") or "",
        "equivalent_program_wish": "yes" if current.get("equivalent_program_wish") else "no",
        "multiple_birth.is_multiple": "yes" if multiple.get("is_multiple") else "no",
        "multiple_birth.sibling_elk_number": multiple.get("sibling_elk_number") or "",
        "multiple_birth.registering_together": "yes" if multiple.get("registering_together") else "no",
        "outside_region": current.get("outside_region") or "",
    }


def _text(form: Form, name: str) -> str | None:
    """A text field as typed, without spaces around it; None when empty."""
    return str(form.get(name) or "").strip() or None


def _on_the_form(problem: Problem) -> Problem:
    """aanmelding names the list `preferences` (a place in it `preferences.2`); the form's selects are
    `programs.N`."""
    if problem.field and problem.field.startswith("preferences"):
        place = problem.field.partition(".")[2] or "0"
        return Problem(problem.code, f"programs.{place}", problem.ctx)
    return problem
