"""A secondary school's pages: registrations per round, decisions, placements, exports, results and letters.

Every page reads with the staff member's own token, so aanmelding, dossier and notificatie decide what
the school reaches: a registration of another school answers 404 there, and the not-found page here.
A decision is one small form; a refusal comes back as the same page with the error at its field, the
input kept."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from loket.contracts.runtime.downloads import passed_on as disposition_passed_on
from loket.portaal.domain.listing import Listing
from loket.portaal.http.account import client
from loket.portaal.http.registration import Procedure
from loket.portaal.http.staff import signed_in_staff
from loket.portaal.i18n import N_
from loket.portaal.pages import errors_of, render
from loket.portaal.security import CheckedForm
from loket.portaal.services import Problem, Refusal, Services
from loket.portaal.sessions import Session

REGISTRATION_SORTS = ["received", "round", "program", "priority", "placed"]
REGISTRATION_FILTERS = ["round", "program", "placed"]
QUESTION_SORTS = ["asked_at", "answered_at"]
EXPORTS = [
    ("registrations", N_("Registrations with every choice")),
    ("external", N_("Pupils from outside the region")),
    ("lottery", N_("Registrations not placed yet (for the lottery)")),
    ("withdrawals", N_("Withdrawn registrations")),
]
EXPORT_KINDS = {kind for kind, _ in EXPORTS}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TEXT = 2000
# the forms on a registration's page, each with its own field names (ids stay unique on the page)
PRIORITY, PLACEMENT, REFUSAL, WITHDRAWAL, NOTE, QUESTION = (
    "priority",
    "placement",
    "refusal",
    "withdrawal",
    "note",
    "question",
)


def secondary_router(services: Services) -> APIRouter:
    router = APIRouter()
    procedure = Procedure(services)

    async def read(request: Request, session: Session, service: str, path: str, **kwargs: Any) -> Any:
        return await services.json(session, service, "GET", path, client=client(request), **kwargs)

    async def maybe(
        request: Request, session: Session, service: str, path: str, default: Any = None, **kwargs: Any
    ) -> Any:
        """What dossier shares while the pupil is registered here; nothing (not an error page) once it does not."""
        try:
            return await read(request, session, service, path, **kwargs)
        except Refusal as refusal:
            if refusal.status in (403, 404, 409):
                return default
            raise

    async def school(request: Request, session: Session, brin: str) -> dict[str, Any]:
        """The secondary school, as dossier lets this person reach it; any other: the not-found page."""
        found: dict[str, Any] = await read(request, session, "dossier", f"/schools/{brin}")
        if found.get("sector") == "primary":
            raise HTTPException(404)
        return found

    def names(region: dict[str, Any], brin: str) -> dict[str, Any]:
        programs = [program for school in region["schools"] if school["brin"] == brin for program in school["programs"]]
        all_programs = {program["code"]: program for school in region["schools"] for program in school["programs"]}
        return {
            "rounds": {round_["code"]: round_ for round_ in region["rounds"]},
            "programs": programs,
            "program_names": {code: program["name"] for code, program in all_programs.items()},
        }

    async def pupils_registered(
        request: Request, session: Session, brin: str, registrations: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The names dossier shares of the pupils of these registrations (one page's, never the school's
        thousands)."""
        wanted = sorted({row["pupil_id"] for row in registrations})
        if not wanted:
            return {}
        path = f"/schools/{brin}/registered-pupils"
        rows = await maybe(request, session, "dossier", path, [], params={"pupil": wanted})
        return {row["id"]: row for row in rows or []}

    async def received(request: Request, session: Session, brin: str, listing: Listing) -> Any:
        """One page of the registrations the school received, as the listing asks (the answer, for its
        `X-Total-Count`)."""
        path = f"/schools/{brin}/registrations"
        return await services.as_person(
            session, "aanmelding", "GET", path, client=client(request), params=listing.params()
        )

    # ---- registrations ---------------------------------------------------------------------------

    @router.get("/vo/{brin}")
    async def registrations(request: Request, brin: str, done: str = "") -> Response:
        session = signed_in_staff(request)
        listing = Listing.of(f"/vo/{brin}", request.query_params, REGISTRATION_SORTS, "received", REGISTRATION_FILTERS)
        found, region = await asyncio.gather(school(request, session, brin), procedure.get())
        try:
            answer = await received(request, session, brin, listing)
        except Refusal as refusal:
            if refusal.status != 422:  # a filter value from an old bookmark: the list without it
                raise
            listing = Listing.of(f"/vo/{brin}", {"sort": listing.sort}, REGISTRATION_SORTS, "received")
            answer = await received(request, session, brin, listing)
        rows = answer.json()
        pupils = await pupils_registered(request, session, brin, rows)
        return render(
            request,
            "pages/vo/registrations.html",
            school=found,
            brin=brin,
            listing=listing,
            filters=dict(listing.filters),
            rows=rows,
            total=int(answer.headers.get("X-Total-Count", "0")),
            pupils=pupils,
            done=done,
            **names(region, brin),
        )

    async def registration_page(
        request: Request,
        session: Session,
        brin: str,
        registration_id: str,
        status: int = 200,
        errors: list[dict[str, str | None]] | None = None,
        form: dict[str, Any] | None = None,
        done: str = "",
    ) -> Response:
        found, registration, region = await asyncio.gather(
            school(request, session, brin),
            read(request, session, "aanmelding", f"/registrations/{registration_id}"),
            procedure.get(),
        )
        pupil_id = registration["pupil_id"]
        pupil, oki_doc, shared_notes, questions, notes = await asyncio.gather(
            maybe(request, session, "dossier", f"/pupils/{pupil_id}"),
            maybe(request, session, "dossier", f"/pupils/{pupil_id}/oki-doc"),
            maybe(request, session, "dossier", f"/pupils/{pupil_id}/notes", []),
            maybe(request, session, "dossier", f"/pupils/{pupil_id}/information-requests", []),
            read(request, session, "aanmelding", f"/registrations/{registration_id}/notes"),
        )
        return render(
            request,
            "pages/vo/registration.html",
            status,
            school=found,
            brin=brin,
            registration=registration,
            pupil=pupil,
            oki_doc=oki_doc,
            shared_notes=shared_notes or [],
            questions=questions or [],
            notes=notes,
            errors=errors,
            form=form or {},
            done=done,
            placed_here=placed_here(registration, brin),
            **names(region, brin),
        )

    @router.get("/vo/{brin}/registrations/{registration_id}")
    async def registration(request: Request, brin: str, registration_id: str, done: str = "") -> Response:
        session = signed_in_staff(request)
        return await registration_page(request, session, brin, registration_id, done=done)

    async def decide(
        request: Request,
        brin: str,
        registration_id: str,
        form: dict[str, Any],
        prefix: str,
        send: tuple[str, str, str, Any] | None,
        problems: list[Problem],
        after: str,
    ) -> Response:
        """Send one decision (`send`: service, method, path, body) unless the portal's own check found
        `problems`; the refusal of a 409 or 422 comes back as the page with the error at the form's field."""
        session = signed_in_staff(request)
        if not problems and send is not None:
            service, method, path, body = send
            try:
                await services.as_person(session, service, method, path, client=client(request), json=body)
            except Refusal as refusal:
                if refusal.status not in (409, 422):
                    raise
                problems = [at_form(problem, prefix) for problem in refusal.problems]
        if problems:
            return await registration_page(
                request, session, brin, registration_id, 422, errors_of(request, problems), form
            )
        return RedirectResponse(after, status_code=303)

    def here(brin: str, registration_id: str, done: str) -> str:
        return f"/vo/{brin}/registrations/{registration_id}?done={done}#{done}"

    @router.post("/vo/{brin}/registrations/{registration_id}/priority")
    async def priority(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        granted, reason = form.get(f"{PRIORITY}.granted"), text(form, f"{PRIORITY}.reason")
        problems = []
        if granted not in ("yes", "no"):
            problems.append(Problem("choose_grant_or_reject", f"{PRIORITY}.granted"))
        if not reason:
            problems.append(Problem("reason_missing", f"{PRIORITY}.reason"))
        body = {"granted": granted == "yes", "reason": reason}
        send = ("aanmelding", "POST", f"/registrations/{registration_id}/priority-decision", body)
        return await decide(
            request, brin, registration_id, form, PRIORITY, send, problems, here(brin, registration_id, PRIORITY)
        )

    @router.post("/vo/{brin}/registrations/{registration_id}/placement")
    async def placement(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        stream = text(form, f"{PLACEMENT}.stream")
        problems = [Problem("string_too_long", f"{PLACEMENT}.stream", {"max_length": 200})] if len(stream) > 200 else []
        send = ("aanmelding", "POST", f"/registrations/{registration_id}/placement", {"stream": stream or None})
        return await decide(
            request, brin, registration_id, form, PLACEMENT, send, problems, here(brin, registration_id, PLACEMENT)
        )

    for prefix, path in ((REFUSAL, "support-refusal"), (WITHDRAWAL, "school-withdrawal")):
        _ending(router, prefix, path, decide)

    @router.post("/vo/{brin}/registrations/{registration_id}/tafelmiddag")
    async def tafelmiddag(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        body = {"tafelmiddag": form.get("tafelmiddag") == "yes"}
        send = ("aanmelding", "PUT", f"/registrations/{registration_id}/tafelmiddag", body)
        return await decide(
            request, brin, registration_id, form, "tafelmiddag", send, [], here(brin, registration_id, "tafelmiddag")
        )

    @router.post("/vo/{brin}/registrations/{registration_id}/notes")
    async def note(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        written = text(form, f"{NOTE}.text")
        problems = checked_text(written, f"{NOTE}.text", "note_missing")
        send = ("aanmelding", "POST", f"/registrations/{registration_id}/notes", {"text": written})
        return await decide(
            request, brin, registration_id, form, NOTE, send, problems, here(brin, registration_id, NOTE)
        )

    @router.post("/vo/{brin}/registrations/{registration_id}/questions")
    async def ask(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        session = signed_in_staff(request)
        written = text(form, f"{QUESTION}.message")
        problems = checked_text(written, f"{QUESTION}.message", "question_missing")
        registration = await read(request, session, "aanmelding", f"/registrations/{registration_id}")
        path = f"/pupils/{registration['pupil_id']}/information-requests"
        send = ("dossier", "POST", path, {"message": written})
        return await decide(
            request, brin, registration_id, form, QUESTION, send, problems, here(brin, registration_id, QUESTION)
        )

    @router.get("/vo/{brin}/registrations/{registration_id}/oki-doc.pdf")
    async def oki_doc_pdf(request: Request, brin: str, registration_id: str) -> Response:
        session = signed_in_staff(request)
        registration = await read(request, session, "aanmelding", f"/registrations/{registration_id}")
        answer = await services.as_person(
            session, "dossier", "GET", f"/pupils/{registration['pupil_id']}/oki-doc.pdf", client=client(request)
        )
        return passed_on(answer, "application/pdf")

    # ---- questions -------------------------------------------------------------------------------

    @router.get("/vo/{brin}/questions")
    async def school_questions(request: Request, brin: str) -> Response:
        session = signed_in_staff(request)
        listing = Listing.of(f"/vo/{brin}/questions", request.query_params, QUESTION_SORTS, "-asked_at", ["open"])
        found, answer = await asyncio.gather(
            school(request, session, brin),
            services.as_person(
                session,
                "dossier",
                "GET",
                f"/schools/{brin}/information-requests",
                client=client(request),
                params=listing.params(),
            ),
        )
        return render(
            request,
            "pages/vo/questions.html",
            school=found,
            brin=brin,
            listing=listing,
            questions=answer.json(),
            total=int(answer.headers.get("X-Total-Count", len(answer.json()))),
            show="open" if dict(listing.filters).get("open") == "true" else "all",
        )

    # ---- exports ---------------------------------------------------------------------------------

    @router.get("/vo/{brin}/exports")
    async def exports(request: Request, brin: str) -> Response:
        session = signed_in_staff(request)
        found = await school(request, session, brin)
        return render(request, "pages/vo/exports.html", school=found, brin=brin, exports=EXPORTS)

    @router.get("/vo/{brin}/exports/{kind}.{extension}")
    async def export(request: Request, brin: str, kind: str, extension: str) -> Response:
        session = signed_in_staff(request)
        if kind not in EXPORT_KINDS or extension not in ("csv", "xlsx"):
            raise HTTPException(404)
        answer = await services.as_person(
            session, "aanmelding", "GET", f"/schools/{brin}/exports/{kind}.{extension}", client=client(request)
        )
        return passed_on(answer, "text/csv; charset=utf-8" if extension == "csv" else XLSX)

    # ---- results and letters ---------------------------------------------------------------------

    async def letters_page(
        request: Request,
        session: Session,
        brin: str,
        status: int = 200,
        errors: list[dict[str, str | None]] | None = None,
        form: dict[str, Any] | None = None,
        done: str = "",
    ) -> Response:
        listing = Listing.of(f"/vo/{brin}/letters", request.query_params, REGISTRATION_SORTS, "received", ["placed"])
        found, region, answer, letters = await asyncio.gather(
            school(request, session, brin),
            procedure.get(),
            received(request, session, brin, listing),
            maybe(request, session, "notificatie", f"/schools/{brin}/prepared-letters", []),
        )
        rows = answer.json()
        pupils = await pupils_registered(request, session, brin, rows)
        return render(
            request,
            "pages/vo/letters.html",
            status,
            school=found,
            brin=brin,
            listing=listing,
            rows=rows,
            total=int(answer.headers.get("X-Total-Count", "0")),
            pupils=pupils,
            letters=letters or [],
            lettered={letter["pupil_id"] for letter in letters or []},
            placed={row["id"] for row in rows if placed_here(row, brin)},
            errors=errors,
            form=form or {"reply_weeks": "4"},
            done=done,
            **names(region, brin),
        )

    @router.get("/vo/{brin}/letters")
    async def letters(request: Request, brin: str, done: str = "") -> Response:
        session = signed_in_staff(request)
        return await letters_page(request, session, brin, done=done)

    @router.post("/vo/{brin}/letters")
    async def prepare(request: Request, brin: str, form: CheckedForm) -> Response:
        session = signed_in_staff(request)
        chosen = form.get("registrations") or []
        chosen = chosen if isinstance(chosen, list) else [chosen]
        signatory, role = text(form, "signatory_name"), text(form, "signatory_role")
        problems = []
        if not chosen:
            problems.append(Problem("choose_pupils", "registrations"))
        if not signatory:
            problems.append(Problem("required", "signatory_name"))
        if not role:
            problems.append(Problem("required", "signatory_role"))
        weeks = form.get("reply_weeks") or "4"
        if not weeks.isdigit() or not 1 <= int(weeks) <= 12:
            problems.append(Problem("reply_weeks", "reply_weeks"))
        if not problems:
            try:
                body = await letters_body(request, session, brin, chosen[:50], signatory, role, int(weeks))
                await services.as_person(
                    session,
                    "notificatie",
                    "POST",
                    f"/schools/{brin}/prepared-letters",
                    client=client(request),
                    json=body,
                )
            except Refusal as refusal:
                if refusal.status not in (409, 422):
                    raise
                problems = [letter_problem(problem) for problem in refusal.problems]
        if problems:
            return await letters_page(request, session, brin, 422, errors_of(request, problems), form)
        return RedirectResponse(f"/vo/{brin}/letters?done=prepared#letters", status_code=303)

    async def letters_body(
        request: Request, session: Session, brin: str, chosen: list[str], signatory: str, role: str, weeks: int
    ) -> dict[str, Any]:
        """The letters for the chosen registrations: the pupil and the parents as dossier shares them with
        the school, mailed at the round's publication moment."""
        region, found = await asyncio.gather(procedure.get(), school(request, session, brin))
        registrations = await asyncio.gather(
            *(read(request, session, "aanmelding", f"/registrations/{chosen_id}") for chosen_id in chosen)
        )
        pupils = await asyncio.gather(
            *(
                read(request, session, "dossier", f"/pupils/{registration['pupil_id']}")
                for registration in registrations
            )
        )
        rounds = {round_["code"]: round_ for round_ in region["rounds"]}
        moments = sorted({rounds[registration["round"]]["publication_at"] for registration in registrations})
        letters = []
        for registration, pupil in zip(registrations, pupils, strict=True):
            parent: dict[str, Any] = next((one for one in pupil.get("parents") or [] if one.get("name")), {})
            letters.append(
                {
                    "pupil_id": registration["pupil_id"],
                    "recipient": pupil["parent_email"],
                    "parent_name": parent.get("name") or f"ouders van {pupil['given_name']} {pupil['family_name']}",
                    "address": address_lines(pupil.get("address")),
                    "pupil_name": f"{pupil['given_name']} {pupil['family_name']}",
                    "pupil_birth_date": pupil["birth_date"],
                    "case_reference": str(registration["id"])[:8].upper(),
                    "school_name": found["name"],
                    "reply_weeks": weeks,
                    "lower_preference": bool(
                        registration.get("placement") and (registration["placement"].get("rank") or 1) > 1
                    ),
                    "signatory_name": signatory,
                    "signatory_role": role,
                }
            )
        return {"send_at": moments[-1], "letters": letters}

    @router.post("/vo/{brin}/letters/{letter_id}/withdraw")
    async def withdraw_letter(request: Request, brin: str, letter_id: str, _: CheckedForm) -> Response:
        session = signed_in_staff(request)
        try:
            await services.as_person(
                session,
                "notificatie",
                "DELETE",
                f"/schools/{brin}/prepared-letters/{letter_id}",
                client=client(request),
            )
        except Refusal as refusal:
            if refusal.status != 409:
                raise
            return await letters_page(request, session, brin, 409, errors_of(request, [Problem("letter_sent")]))
        return RedirectResponse(f"/vo/{brin}/letters?done=withdrawn#letters", status_code=303)

    return router


def _ending(router: APIRouter, prefix: str, path: str, decide: Any) -> None:
    """Support refusal and school withdrawal: a reason, and the registration is over (back to the list)."""

    async def end(request: Request, brin: str, registration_id: str, form: CheckedForm) -> Response:
        reason = text(form, f"{prefix}.reason")
        problems = checked_text(reason, f"{prefix}.reason", "reason_missing")
        send = ("aanmelding", "POST", f"/registrations/{registration_id}/{path}", {"reason": reason})
        ended: Response = await decide(
            request, brin, registration_id, form, prefix, send, problems, f"/vo/{brin}?done=ended"
        )
        return ended

    router.add_api_route(f"/vo/{{brin}}/registrations/{{registration_id}}/{path}", end, methods=["POST"])


def text(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def checked_text(value: str, field: str, missing: str) -> list[Problem]:
    if not value:
        return [Problem(missing, field)]
    if len(value) > MAX_TEXT:
        return [Problem("string_too_long", field, {"max_length": MAX_TEXT})]
    return []


def at_form(problem: Problem, prefix: str) -> Problem:
    """A service's problem at the form's own field (`reason` → `refusal.reason`); a 409's stays on top."""
    if problem.field is None:
        return problem
    return Problem(problem.code, f"{prefix}.{problem.field.split('.')[-1]}", problem.ctx)


def letter_problem(problem: Problem) -> Problem:
    """notificatie's refusal of a batch: a moment gone by, or a pupil it will not take, said on top."""
    if problem.field == "send_at":
        return Problem("publication_passed")
    if problem.field and problem.field.endswith("pupil_id"):
        return Problem("letter_pupil_refused")
    return Problem(problem.code)


def placed_here(registration: dict[str, Any], brin: str) -> bool:
    """Geplaatst by the school, or placed here by the lottery."""
    placement = registration.get("placement") or {}
    return bool(registration.get("school_placed_at")) or placement.get("school_brin") == brin


def address_lines(address: dict[str, Any] | None) -> list[str]:
    if not address:
        return []
    street = " ".join(part for part in (address.get("street"), address.get("house_number")) if part)
    town = " ".join(part for part in (address.get("postcode"), address.get("city")) if part)
    return [line for line in (street, town) if line]


def passed_on(answer: Any, media_type: str) -> Response:
    """A file a service made, as the person's download: its type and its name kept (under a header made
    here, not the service's copied), never cached."""
    headers = {"Cache-Control": "no-store"}
    if "content-disposition" in answer.headers:
        headers["Content-Disposition"] = disposition_passed_on(answer.headers["content-disposition"])
    return Response(answer.content, media_type=answer.headers.get("content-type", media_type), headers=headers)
